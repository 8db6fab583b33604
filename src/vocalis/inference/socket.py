"""``GatewaySocket``: one lazily (re)opened VideoSDK gateway WebSocket.

Owns the connection life cycle every gateway client shares: connect on first use, send the
config envelope first on every connection (so it is re-sent after each reconnect), run one
receive task per connection, back off after failed connects and quick drops (the reference
reconnected in a tight loop with no backoff), and close with an optional ``stop`` envelope.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from ..utils.clock import now
from ..utils.tasks import TaskGroup
from .gateway import config_message, open_gateway_socket

logger = logging.getLogger("vocalis.inference")

_INITIAL_BACKOFF = 0.25
_MAX_BACKOFF = 8.0
#: A connection that lasted less than this counts as a quick drop for the backoff.
_HEALTHY_SECONDS = 2.0

TextHandler = Callable[[str], Awaitable[None]]
BinaryHandler = Callable[[bytes], Awaitable[None]]


class GatewaySocket:
    """A gateway WebSocket opened on demand; see the module docstring."""

    def __init__(
        self,
        url: Callable[[], str],
        *,
        on_text: TextHandler,
        on_binary: BinaryHandler | None = None,
        on_closed: Callable[[int | None], None] | None = None,
        on_error: Callable[[Exception], None],
        error_cls: type[Exception],
        config: Callable[[], Any] | None = None,
        connect_timeout: float,
        heartbeat: float | None = None,
        name: str = "gateway",
    ) -> None:
        self._url = url
        self._on_text = on_text
        self._on_binary = on_binary
        self._on_closed = on_closed
        self._on_error = on_error
        self._error_cls = error_cls
        self._config = config
        self.connect_timeout = connect_timeout
        self._heartbeat = heartbeat
        self._name = name
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._lock = asyncio.Lock()
        self._send_lock = asyncio.Lock()
        self._tasks = TaskGroup(name)
        self._retry_at = 0.0
        self._backoff = _INITIAL_BACKOFF
        self._connected_at = 0.0
        self._quick_drops = 0
        self._closed = False
        self.connections = 0  #: connections opened so far (diagnostics and tests)

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    @property
    def connecting(self) -> bool:
        return self._lock.locked()

    async def ensure(self) -> aiohttp.ClientWebSocketResponse | None:
        """The open socket, connecting (and sending config) if needed; None while backing off
        after a failure or when closed. A failed connect is reported through ``on_error``."""
        if self.connected:
            return self._ws
        if self._closed or now() < self._retry_at:
            return None
        async with self._lock:
            if self.connected:
                return self._ws
            if self._closed or now() < self._retry_at:
                return None
            if self._session is None:
                self._session = aiohttp.ClientSession()
            try:
                ws = await open_gateway_socket(
                    self._session, self._url(), timeout=self.connect_timeout,
                    error_cls=self._error_cls, heartbeat=self._heartbeat,
                )
                if self._config is not None:
                    await ws.send_str(config_message(self._config()))
            except (self._error_cls, aiohttp.ClientError, ConnectionError) as exc:
                self._retry_at = now() + self._backoff
                self._backoff = min(self._backoff * 2, _MAX_BACKOFF)
                error = exc if isinstance(exc, self._error_cls) else self._error_cls(str(exc))
                self._on_error(error)
                return None
            self._backoff = _INITIAL_BACKOFF
            self._ws = ws
            self._connected_at = now()
            self.connections += 1
            self._tasks.spawn(self._receive(ws), name=f"{self._name}-recv")
            return ws

    async def send_json(self, message: dict[str, Any]) -> bool:
        """Send one envelope on the open socket; False (and the socket dropped) on failure."""
        return await self._send(json.dumps(message), text=True)

    async def send_bytes(self, data: bytes) -> bool:
        return await self._send(data, text=False)

    async def _send(self, payload: Any, *, text: bool) -> bool:
        async with self._send_lock:
            ws = self._ws
            if ws is None or ws.closed:
                return False
            try:
                if text:
                    await ws.send_str(payload)
                else:
                    await ws.send_bytes(payload)
                return True
            except (aiohttp.ClientError, ConnectionError) as exc:
                logger.warning("%s: send failed: %s", self._name, exc)
                await self.drop()
                return False

    async def ping(self) -> None:
        ws = self._ws
        if ws is not None and not ws.closed:
            with contextlib.suppress(aiohttp.ClientError, ConnectionError):
                await ws.ping()

    async def drop(self) -> None:
        """Close the current connection; the next ``ensure`` opens a new one."""
        ws, self._ws = self._ws, None
        if ws is not None and not ws.closed:
            with contextlib.suppress(aiohttp.ClientError, ConnectionError):
                await ws.close()

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    await self._on_text(msg.data)
                elif msg.type == aiohttp.WSMsgType.BINARY and self._on_binary is not None:
                    await self._on_binary(msg.data)
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    break
        finally:
            if self._ws is ws:
                self._ws = None
            if not self._closed:
                healthy = now() - self._connected_at >= _HEALTHY_SECONDS
                self._quick_drops = 0 if healthy else self._quick_drops + 1
                if self._quick_drops > 1:
                    delay = min(_INITIAL_BACKOFF * 2 ** (self._quick_drops - 2), _MAX_BACKOFF)
                    self._retry_at = max(self._retry_at, now() + delay)
                if self._on_closed is not None:
                    self._on_closed(ws.close_code)

    async def aclose(self, final_message: dict[str, Any] | None = None) -> None:
        """Send ``final_message`` (e.g. ``{"type": "stop"}``) if connected, then close."""
        if self._closed:
            return
        if final_message is not None and self.connected:
            with contextlib.suppress(asyncio.TimeoutError):
                async with asyncio.timeout(1.0):
                    await self.send_json(final_message)
        self._closed = True
        await self.drop()
        await self._tasks.aclose()
        if self._session is not None:
            await self._session.close()
            self._session = None
