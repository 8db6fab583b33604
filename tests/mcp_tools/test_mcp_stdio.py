"""MCP over stdio against a real server process (the in-repo demo server, on the SDK)."""

from __future__ import annotations

import sys

import pytest
from tests.mcp_tools.helpers import DEMO_SERVER, wait_until

from vocalis import Agent
from vocalis.llm.tools import invoke_tool
from vocalis.mcp import MCPServerStdio

pytestmark = pytest.mark.slow


def demo(**options) -> MCPServerStdio:
    return MCPServerStdio(sys.executable, [DEMO_SERVER], **options)


async def call(agent: Agent, name: str, **arguments):
    tool = agent.tools.get(name)
    assert tool is not None, f"{name} not in {agent.tools.names}"
    return await invoke_tool(tool, arguments)


async def test_tools_join_the_agent_with_their_schemas_and_are_called_like_any_tool():
    agent = Agent(instructions="x", mcp_servers=[demo()])
    await agent.initialize_mcp()
    try:
        assert {"add", "slow", "fail", "crash", "whoami", "enable_extra"} <= set(agent.tools.names)
        from vocalis.llm.tools import build_openai_schema

        schema = build_openai_schema(agent.tools.get("add"))
        assert schema["description"] == "Add two integers."
        assert schema["parameters"]["required"] == ["a", "b"]
        result = await call(agent, "add", a=2, b=40)
        assert (result.output, result.is_error) == ("42", False)
        failed = await call(agent, "fail", reason="no such order")
        assert failed.is_error and "no such order" in failed.output
        missing = await call(agent, "add", a=1)
        assert missing.is_error and "'b' is required" in missing.output
    finally:
        await agent.cleanup()
    assert "add" not in agent.tools.names


async def test_a_changed_tool_list_is_followed():
    agent = Agent(instructions="x", mcp_servers=[demo()])
    await agent.initialize_mcp()
    try:
        assert "extra" not in agent.tools.names
        assert (await call(agent, "enable_extra")).output == "extra enabled"
        await wait_until(lambda: "extra" in agent.tools.names)
        assert (await call(agent, "extra", text="hello")).output == "HELLO"
    finally:
        await agent.cleanup()


async def test_a_crashed_server_gives_error_results_then_comes_back():
    server = demo(restart_backoff=[0.5])
    agent = Agent(instructions="x", mcp_servers=[server])
    await agent.initialize_mcp()
    try:
        first_pid = (await call(agent, "whoami")).output
        crashed = await call(agent, "crash")
        assert crashed.is_error and "being restarted" in crashed.output
        meanwhile = await call(agent, "add", a=1, b=2)
        assert meanwhile.is_error and "not available right now" in meanwhile.output
        connection = agent.mcp_manager.connections[0]
        await wait_until(lambda: connection.state == "ready")
        assert (await call(agent, "add", a=1, b=2)).output == "3"
        assert (await call(agent, "whoami")).output != first_pid
        assert connection.connects == 2
    finally:
        await agent.cleanup()


async def test_a_slow_tool_times_out_into_an_error_result_and_the_server_goes_on():
    agent = Agent(instructions="x", mcp_servers=[demo(tool_timeout=0.5)])
    await agent.initialize_mcp()
    try:
        slow = await call(agent, "slow", seconds=5)
        assert slow.is_error and "did not answer within 0.5 s" in slow.output
        assert (await call(agent, "add", a=2, b=2)).output == "4"
    finally:
        await agent.cleanup()


@pytest.mark.parametrize(
    ("command", "args", "reason"),
    [
        ("/nonexistent/mcp-server", [], "FileNotFoundError"),
        (sys.executable, ["-c", "raise SystemExit(1)"], "Connection closed"),
    ],
)
async def test_a_server_that_never_starts_is_reported_and_the_session_still_runs(
    command, args, reason, caplog
):
    from vocalis import AgentSession, Pipeline
    from vocalis.testing import FakeLLM

    broken = MCPServerStdio(
        command, args, session_timeout=0.5, name="broken", restart_backoff=[60]
    )
    agent = Agent(instructions="x", mcp_servers=[broken])
    session = AgentSession(agent, Pipeline(llm=FakeLLM(["Hello, how can I help?"])))
    errors = []
    session.on("error", errors.append)
    await session.start()
    try:
        assert errors and errors[0]["source"] == "mcp"
        assert "MCP server 'broken' did not start" in errors[0]["error"]
        assert reason in errors[0]["error"]
        assert any("did not start" in r.getMessage() for r in caplog.records)
        assert agent.mcp_manager.connections[0].state == "restarting"
        result = await session.run(user_input="hi")
        assert result.final_output == "Hello, how can I help?"
    finally:
        await session.close()
    assert agent.mcp_manager.connections == []


async def test_a_real_mcp_server_from_pypi():
    """``mcp-server-time`` (the reference servers' time server) over stdio."""
    pytest.importorskip("mcp_server_time")
    server = MCPServerStdio(sys.executable, ["-m", "mcp_server_time", "--local-timezone", "UTC"])
    agent = Agent(instructions="x", mcp_servers=[server])
    await agent.initialize_mcp()
    try:
        assert {"get_current_time", "convert_time"} <= set(agent.tools.names)
        now = await call(agent, "get_current_time", timezone="Europe/Paris")
        assert not now.is_error and '"timezone": "Europe/Paris"' in now.output
        converted = await call(
            agent, "convert_time", source_timezone="UTC", time="12:00",
            target_timezone="Asia/Tokyo",
        )
        assert '"time_difference": "+9.0h"' in converted.output
        bad = await call(agent, "get_current_time", timezone="Mars/Olympus")
        assert bad.is_error and "Mars/Olympus" in bad.output
    finally:
        await agent.cleanup()
