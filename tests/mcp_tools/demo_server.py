"""An MCP server for the tests, on the official SDK: ``python demo_server.py stdio|http|sse [PORT]``.

Tools: ``add``, ``slow`` (sleeps), ``fail`` (an error result), ``crash`` (the process exits),
``whoami`` (the process id, to tell a restarted server) and ``enable_extra`` (adds the tool
``extra`` and announces the change with ``notifications/tools/list_changed``).
"""

from __future__ import annotations

import asyncio
import os
import sys

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

server = MCPServer("vocalis-demo")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
async def slow(seconds: float) -> str:
    """Wait ``seconds`` before answering."""
    await asyncio.sleep(seconds)
    return f"waited {seconds} s"


@server.tool()
def fail(reason: str = "it broke") -> str:
    """Always fails with ``reason``."""
    raise ToolError(reason)


@server.tool()
def crash() -> str:
    """Kill the server process."""
    os._exit(3)


@server.tool()
def whoami() -> int:
    """The server's process id."""
    return os.getpid()


def extra(text: str) -> str:
    """Shout ``text``."""
    return text.upper()


@server.tool()
async def enable_extra(ctx: Context) -> str:
    """Add the ``extra`` tool and tell the client its tool list changed."""
    server.add_tool(extra)
    await ctx.notify_tools_changed()
    if ctx.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS:
        await ctx.session.send_tool_list_changed()
    return "extra enabled"


if __name__ == "__main__":
    transport = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
    if transport == "stdio":
        server.run()
    elif transport == "http":
        server.run("streamable-http", host="127.0.0.1", port=port)
    else:
        server.run("sse", host="127.0.0.1", port=port)
