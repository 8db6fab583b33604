"""``MCPToolManager``: an agent's MCP servers and the function tools they currently offer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from .connection import MCPConnection
from .servers import MCPServiceProvider
from .tools import SlowCallback, build_tool, tool_name

logger = logging.getLogger("vocalis.mcp")

#: Seconds a tool call may take before the agent says something while it waits.
DEFAULT_HOLD_AFTER = 2.0


class MCPToolManager:
    """Connects MCP servers and keeps ``tools`` equal to what they offer right now.

    ``on_tools_changed`` is called whenever that list changes (a server announced a change,
    or came back after a restart with different tools). ``on_slow_call(tool_name)`` is awaited
    once when a call has taken ``hold_after`` seconds (the agent's "one moment, please").
    """

    def __init__(self, *, hold_after: float | None = DEFAULT_HOLD_AFTER) -> None:
        self.hold_after = hold_after
        self.on_tools_changed: Callable[[], None] | None = None
        self.on_slow_call: SlowCallback | None = None
        self.connections: list[MCPConnection] = []
        self._tools: list[Any] = []

    @property
    def tools(self) -> list[Any]:
        return list(self._tools)

    async def add_mcp_server(self, server: MCPServiceProvider) -> None:
        """Connect ``server`` and add its tools; raises ``MCPServerError`` if it does not start
        (it keeps being retried in the background, and its tools appear when it comes up)."""
        if not isinstance(server, MCPServiceProvider):
            raise TypeError(f"not an MCP server: {server!r} (use MCPServerStdio or MCPServerHTTP)")
        connection = MCPConnection(server, on_tools_changed=self._rebuild)
        self.connections.append(connection)
        await connection.start()

    async def add_mcp_servers(self, servers: Iterable[MCPServiceProvider]) -> list[BaseException]:
        """Connect several servers at once; returns the errors of those that did not start."""
        results = await asyncio.gather(
            *(self.add_mcp_server(s) for s in servers), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        for error in errors:
            if not isinstance(error, Exception):
                raise error
        return errors

    def _rebuild(self) -> None:
        tools: list[Any] = []
        taken: set[str] = set()
        for connection in self.connections:
            for tool in connection.tools:
                name = tool_name(tool.name)
                if name in taken:
                    logger.warning(
                        "MCP tool %r of %r is ignored: another server already offers a tool "
                        "of that name", tool.name, connection.name,
                    )
                    continue
                taken.add(name)
                tools.append(
                    build_tool(
                        connection, tool, name=name,
                        on_slow=self._on_slow if self.on_slow_call else None,
                        hold_after=self.hold_after,
                    )
                )
        self._tools = tools
        if self.on_tools_changed is not None:
            self.on_tools_changed()

    async def _on_slow(self, name: str) -> None:
        if self.on_slow_call is not None:
            await self.on_slow_call(name)

    async def cleanup(self) -> None:
        """Disconnect every server (stdio subprocesses are stopped)."""
        connections, self.connections = self.connections, []
        await asyncio.gather(*(c.aclose() for c in connections), return_exceptions=True)
        self._tools = []
