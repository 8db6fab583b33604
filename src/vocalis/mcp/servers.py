"""Where an MCP server is: a local process spoken to over stdio, or a URL (streamable HTTP or SSE).

``MCPServerStdio`` and ``MCPServerHTTP`` follow the reference's names and defaults. They only
describe the server and open its transport with the official ``mcp`` SDK; the connection
itself (handshake, tool list, restarts) lives in ``connection``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

#: Seconds to wait before each reconnection attempt after a failure; the last value repeats.
DEFAULT_RESTART_BACKOFF: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)

TransportMode = Literal["streamable_http", "sse"]


class MCPServiceProvider:
    """An MCP server the agent takes tools from (base of the stdio and HTTP servers).

    ``session_timeout`` bounds the handshake and each request (the reference's meaning);
    ``tool_timeout`` bounds one tool call and defaults to ``session_timeout``. After a failure
    the connection is retried after each delay of ``restart_backoff`` in turn.
    """

    def __init__(
        self,
        session_timeout: float = 5.0,
        *,
        name: str | None = None,
        tool_timeout: float | None = None,
        restart_backoff: Sequence[float] = DEFAULT_RESTART_BACKOFF,
        health_check_interval: float = 5.0,
    ) -> None:
        if session_timeout <= 0:
            raise ValueError("session_timeout must be positive")
        if tool_timeout is not None and tool_timeout <= 0:
            raise ValueError("tool_timeout must be positive")
        if not restart_backoff or any(d < 0 for d in restart_backoff):
            raise ValueError("restart_backoff must be a non-empty list of delays >= 0")
        self.session_timeout = session_timeout
        self.tool_timeout = tool_timeout if tool_timeout is not None else session_timeout
        self.restart_backoff = tuple(restart_backoff)
        self.health_check_interval = health_check_interval
        self._name = name

    @property
    def name(self) -> str:
        """A short label for logs and error messages."""
        return self._name or self.default_name()

    def default_name(self) -> str:
        return type(self).__name__

    def client_target(self) -> Any:
        """What ``mcp.Client`` connects to: a ``Transport``, parameters, or a server object."""
        raise NotImplementedError


class MCPServerStdio(MCPServiceProvider):
    """A local MCP server started as a subprocess and spoken to over its stdin/stdout."""

    def __init__(
        self,
        executable_path: str,
        process_arguments: list[str],
        environment_vars: dict[str, str] | None = None,
        working_directory: str | Path | None = None,
        session_timeout: float = 5.0,
        **options: Any,
    ) -> None:
        super().__init__(session_timeout, **options)
        self.executable_path = executable_path
        self.process_arguments = list(process_arguments)
        self.environment_vars = dict(environment_vars or {})
        self.working_directory = Path(working_directory) if working_directory else None

    def default_name(self) -> str:
        script = next((a for a in self.process_arguments if not a.startswith("-")), "")
        return Path(script or self.executable_path).stem

    def client_target(self) -> Any:
        from mcp import StdioServerParameters, stdio_client

        params = StdioServerParameters(
            command=self.executable_path,
            args=self.process_arguments,
            env=self.environment_vars or None,
            cwd=self.working_directory,
        )
        return stdio_client(params, errlog=sys.stderr)

    def __repr__(self) -> str:
        return f"MCPServerStdio(command={self.executable_path!r}, args={self.process_arguments!r})"


def detect_transport_mode(endpoint_url: str) -> TransportMode:
    """SSE for URLs whose path ends in ``/sse`` (the SDK's convention), else streamable HTTP."""
    path = urlparse(endpoint_url).path.rstrip("/")
    return "sse" if path.endswith("/sse") else "streamable_http"


class MCPServerHTTP(MCPServiceProvider):
    """A remote MCP server over streamable HTTP or SSE (detected from the URL unless given).

    Unlike the reference, ``stream_read_timeout`` is used: it bounds the wait for the next
    event on a server-sent-event stream.
    """

    def __init__(
        self,
        endpoint_url: str,
        request_headers: dict[str, str] | None = None,
        connection_timeout: float = 10.0,
        stream_read_timeout: float = 300.0,
        session_timeout: float = 5.0,
        *,
        transport: TransportMode | None = None,
        **options: Any,
    ) -> None:
        super().__init__(session_timeout, **options)
        parsed = urlparse(endpoint_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"endpoint_url must be an http(s) URL, got {endpoint_url!r}")
        self.endpoint_url = endpoint_url
        self.request_headers = dict(request_headers or {})
        self.connection_timeout = connection_timeout
        self.stream_read_timeout = stream_read_timeout
        self.transport_mode: TransportMode = transport or detect_transport_mode(endpoint_url)

    def default_name(self) -> str:
        return urlparse(self.endpoint_url).netloc

    def client_target(self) -> Any:
        return self._open()

    @contextlib.asynccontextmanager
    async def _open(self) -> AsyncIterator[Any]:
        import httpx2
        from mcp.client.sse import sse_client
        from mcp.client.streamable_http import streamable_http_client

        if self.transport_mode == "sse":
            async with sse_client(
                self.endpoint_url,
                headers=self.request_headers or None,
                timeout=self.connection_timeout,
                sse_read_timeout=self.stream_read_timeout,
            ) as streams:
                yield streams
            return
        timeout = httpx2.Timeout(self.connection_timeout, read=self.stream_read_timeout)
        async with (
            httpx2.AsyncClient(headers=self.request_headers, timeout=timeout) as http,
            streamable_http_client(self.endpoint_url, http_client=http) as streams,
        ):
            yield streams

    def __repr__(self) -> str:
        return f"MCPServerHTTP(url={self.endpoint_url!r}, transport={self.transport_mode!r})"
