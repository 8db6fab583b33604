"""One live connection to an MCP server: handshake, tool list, change notices, health, restarts.

A connection runs in its own task, which enters the SDK's ``mcp.Client`` and stays inside it
(the SDK's task groups must be left by the task that entered them). While connected it
refreshes the tool list when the server announces a change (``notifications/tools/list_changed``
on handshake-era connections, a ``subscriptions/listen`` stream on 2026-era ones) and pings the
server now and then. When the server dies or stops answering, the connection is rebuilt after
the provider's backoff; meanwhile ``call_tool`` fails at once with ``MCPUnavailableError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from .servers import MCPServiceProvider

logger = logging.getLogger("vocalis.mcp")

_MAX_TOOL_PAGES = 100


class MCPServerError(RuntimeError):
    """An MCP server failed: it did not start, went away, or refused a request."""


class MCPUnavailableError(MCPServerError):
    """The server is down (starting or restarting); the call was not sent."""


class MCPToolTimeoutError(MCPServerError):
    """A tool call got no answer within the tool timeout."""


def describe_error(exc: BaseException) -> str:
    """A one-line reason, looking inside the exception groups anyio raises."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    message = getattr(getattr(exc, "error", None), "message", None) or str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


class MCPConnection:
    """Keeps one MCP server connected; ``tools`` is its current tool list (SDK ``Tool`` objects).

    States: ``idle`` → ``connecting`` → ``ready`` ⇄ ``restarting`` → ``closed``.
    """

    def __init__(
        self,
        server: MCPServiceProvider,
        *,
        on_tools_changed: Callable[[], None] | None = None,
    ) -> None:
        self.server = server
        self.on_tools_changed = on_tools_changed
        self.tools: list[Any] = []
        self.state = "idle"
        self.last_error: str | None = None
        self.connects = 0
        self._client: Any = None
        self._task: asyncio.Task[None] | None = None
        self._first: asyncio.Future[None] | None = None
        self._down = asyncio.Event()
        self._closed = asyncio.Event()
        self._refresh = asyncio.Event()

    @property
    def name(self) -> str:
        return self.server.name

    async def start(self) -> None:
        """Connect and list the tools; raise ``MCPServerError`` if that fails.

        After a failed start the connection keeps retrying in the background, so a server
        that comes up later still brings its tools.
        """
        if self._task is not None:
            return
        self._first = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(), name=f"vocalis.mcp:{self.name}")
        await asyncio.shield(self._first)

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        """Call ``name`` and return the SDK's ``CallToolResult``; raises ``MCPServerError``."""
        from mcp import MCPError
        from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

        client = self._client
        if client is None or self.state != "ready":
            raise MCPUnavailableError(
                f"The tool server '{self.name}' is not available right now (it is "
                f"{'restarting' if self.state == 'restarting' else self.state}); "
                "try again in a moment."
            )
        timeout = self.server.tool_timeout
        try:
            return await client.call_tool(name, arguments, read_timeout_seconds=timeout)
        except MCPError as exc:
            if exc.code == REQUEST_TIMEOUT:
                raise MCPToolTimeoutError(
                    f"The tool '{name}' on '{self.name}' did not answer within {timeout:g} s."
                ) from None
            if exc.code == CONNECTION_CLOSED:
                self._mark_down("the connection closed during a call")
                raise MCPUnavailableError(
                    f"The tool server '{self.name}' stopped during the call to '{name}' and is "
                    "being restarted; try again in a moment."
                ) from None
            raise MCPServerError(f"'{self.name}' refused the call to '{name}': {exc}") from None

    async def aclose(self) -> None:
        """Disconnect (the subprocess of a stdio server is stopped) and stop retrying."""
        self._closed.set()
        self._down.set()
        task, self._task = self._task, None
        if task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(task), self.server.session_timeout + 5.0)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self.state = "closed"
        self._settle_first(MCPServerError(f"MCP server '{self.name}' was closed"))

    # ---- the connection task -----------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while not self._closed.is_set():
            self.state = "connecting" if self.connects == 0 else "restarting"
            self._down.clear()
            try:
                await self._connect_and_serve()
                failures = 0
            except Exception as exc:
                self.last_error = describe_error(exc)
            if self._closed.is_set():
                break
            self.state = "restarting"
            delay = self.server.restart_backoff[min(failures, len(self.server.restart_backoff) - 1)]
            failures += 1
            if self._settle_first(
                MCPServerError(f"MCP server '{self.name}' did not start: {self.last_error}")
            ):
                logger.error(
                    "MCP server %r did not start (%s); its tools are unavailable, retrying "
                    "in %.1f s", self.name, self.last_error, delay,
                )
            else:
                logger.warning(
                    "MCP server %r is down (%s); restarting in %.1f s",
                    self.name, self.last_error, delay,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), delay)

    async def _connect_and_serve(self) -> None:
        from mcp import Client

        async with Client(
            self.server.client_target(),
            message_handler=self._on_message,
            read_timeout_seconds=self.server.session_timeout,
            cache=None,
        ) as client:
            self.tools = await self._list_tools(client)
            self._client = client
            self.connects += 1
            self.state = "ready"
            self.last_error = None
            if self.connects > 1:
                logger.info("MCP server %r is back (%d tools)", self.name, len(self.tools))
            self._settle_first(None)
            self._tools_changed()
            try:
                await self._serve(client)
            finally:
                self._client = None
        if not self._closed.is_set():
            raise MCPServerError(self.last_error or "connection lost")

    async def _serve(self, client: Any) -> None:
        """Watch the live connection until it must be left (closed, or found broken).

        A 2026-era server is watched through its change stream, which breaks when the server
        goes away; a handshake-era one is pinged every ``health_check_interval`` seconds.
        """
        import anyio
        from mcp_types.version import MODERN_PROTOCOL_VERSIONS

        async with anyio.create_task_group() as group:
            group.start_soon(self._refresh_tools, client)
            if client.protocol_version in MODERN_PROTOCOL_VERSIONS:
                group.start_soon(self._listen_for_changes, client)
            else:
                group.start_soon(self._check_health, client)
            await self._down.wait()
            group.cancel_scope.cancel()

    def _mark_down(self, reason: str) -> None:
        if not self._down.is_set():
            self.last_error = reason
            self.state = "restarting"
            self._down.set()

    async def _on_message(self, message: Any) -> None:
        if getattr(message, "method", None) == "notifications/tools/list_changed":
            self._refresh.set()
        elif isinstance(message, Exception):
            logger.debug("MCP server %r transport error: %s", self.name, message)

    async def _refresh_tools(self, client: Any) -> None:
        while True:
            await self._refresh.wait()
            self._refresh.clear()
            try:
                self.tools = await self._list_tools(client)
            except Exception as exc:
                logger.warning("MCP server %r: listing tools failed: %s", self.name,
                               describe_error(exc))
                continue
            logger.info("MCP server %r changed its tools: %s", self.name,
                        ", ".join(t.name for t in self.tools) or "none")
            self._tools_changed()

    async def _listen_for_changes(self, client: Any) -> None:
        from mcp.client.subscriptions import SubscriptionLost

        try:
            async with client.listen(tools_list_changed=True) as subscription:
                async for _event in subscription:
                    self._refresh.set()
        except SubscriptionLost as exc:
            self._mark_down(f"change stream lost ({exc})")
        except Exception as exc:
            logger.debug("MCP server %r offers no change stream: %s", self.name, exc)

    async def _check_health(self, client: Any) -> None:
        interval = self.server.health_check_interval
        if interval <= 0:
            return
        while True:
            await asyncio.sleep(interval)
            try:
                await client.send_ping()
            except Exception as exc:
                self._mark_down(f"no answer to ping ({describe_error(exc)})")
                return

    @staticmethod
    async def _list_tools(client: Any) -> list[Any]:
        tools: list[Any] = []
        cursor = None
        for _ in range(_MAX_TOOL_PAGES):
            page = await client.list_tools(cursor=cursor)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
        return tools

    def _tools_changed(self) -> None:
        if self.on_tools_changed is not None:
            try:
                self.on_tools_changed()
            except Exception:
                logger.exception("MCP tools-changed listener failed")

    def _settle_first(self, error: BaseException | None) -> bool:
        """Report the outcome of the first connection attempt once; True if this call did."""
        first = self._first
        if first is None or first.done():
            return False
        if error is None:
            first.set_result(None)
        else:
            first.set_exception(error)
        return True
