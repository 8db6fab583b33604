"""MCP (Model Context Protocol) servers as sources of agent tools, on the official ``mcp`` SDK.

    agent = Agent(instructions="...", mcp_servers=[
        MCPServerStdio(sys.executable, ["my_server.py"]),
        MCPServerHTTP("http://127.0.0.1:8000/mcp"),
    ])

The servers are connected when the session starts; their tools join the agent's tools with
their JSON schemas and are called like any tool. Changes of a server's tool list are followed,
a crashed server is restarted with backoff, and a server that does not start is reported
clearly while the session runs without its tools.
"""

from .connection import (
    MCPConnection,
    MCPServerError,
    MCPToolTimeoutError,
    MCPUnavailableError,
)
from .manager import DEFAULT_HOLD_AFTER, MCPToolManager
from .servers import (
    DEFAULT_RESTART_BACKOFF,
    MCPServerHTTP,
    MCPServerStdio,
    MCPServiceProvider,
    detect_transport_mode,
)
from .tools import build_tool, result_text, tool_name

__all__ = [
    "DEFAULT_HOLD_AFTER",
    "DEFAULT_RESTART_BACKOFF",
    "MCPConnection",
    "MCPServerError",
    "MCPServerHTTP",
    "MCPServerStdio",
    "MCPServiceProvider",
    "MCPToolManager",
    "MCPToolTimeoutError",
    "MCPUnavailableError",
    "build_tool",
    "detect_transport_mode",
    "result_text",
    "tool_name",
]
