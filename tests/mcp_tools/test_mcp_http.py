"""MCP over streamable HTTP and SSE against the demo server running in its own process."""

from __future__ import annotations

import pytest
from tests.mcp_tools.helpers import demo_http_server, wait_until

from vocalis import Agent
from vocalis.llm.tools import invoke_tool
from vocalis.mcp import MCPServerHTTP, detect_transport_mode

pytestmark = pytest.mark.slow


def test_the_transport_is_detected_from_the_url():
    assert detect_transport_mode("http://127.0.0.1:8000/mcp") == "streamable_http"
    assert detect_transport_mode("http://127.0.0.1:8000/sse/") == "sse"
    assert MCPServerHTTP("http://h/x", transport="sse").transport_mode == "sse"
    with pytest.raises(ValueError, match="http"):
        MCPServerHTTP("ftp://h/mcp")


@pytest.mark.parametrize(("transport", "path"), [("http", "/mcp"), ("sse", "/sse")])
async def test_tools_over_http(transport, path):
    with demo_http_server(transport) as port:
        server = MCPServerHTTP(
            f"http://127.0.0.1:{port}{path}", request_headers={"X-Test": "1"}
        )
        agent = Agent(instructions="x", mcp_servers=[server])
        await agent.initialize_mcp()
        try:
            result = await invoke_tool(agent.tools.get("add"), {"a": 20, "b": 22})
            assert (result.output, result.is_error) == ("42", False)
            await invoke_tool(agent.tools.get("enable_extra"), {})
            await wait_until(lambda: "extra" in agent.tools.names)
            shout = await invoke_tool(agent.tools.get("extra"), {"text": "over http"})
            assert shout.output == "OVER HTTP"
        finally:
            await agent.cleanup()


async def test_an_unreachable_url_is_a_clear_error(caplog):
    from tests.mcp_tools.helpers import free_port

    server = MCPServerHTTP(
        f"http://127.0.0.1:{free_port()}/mcp", connection_timeout=1.0, restart_backoff=[60]
    )
    agent = Agent(instructions="x", mcp_servers=[server])
    await agent.initialize_mcp()
    try:
        assert agent.tools.names == []
        assert any("did not start" in r.getMessage() and "Connect" in r.getMessage()
                   for r in caplog.records)
    finally:
        await agent.cleanup()
