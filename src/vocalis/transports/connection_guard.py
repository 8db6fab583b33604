"""Guards on raw TCP connections, before HTTP: a handshake deadline and a per-address limit.

aiohttp waits as long as a client likes for a request's headers, and accepts any number of
connections from one address, so idle sockets and slowloris requests (headers trickled a byte
at a time) pile up. ``GuardedSite`` listens like ``aiohttp.web.TCPSite`` but wraps every
connection: one that has not finished its request headers within ``handshake_timeout`` seconds
is closed, and an address already holding ``max_per_ip`` connections gets
``503 Service Unavailable`` and is closed at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

logger = logging.getLogger("vocalis.transports.server")

TOO_MANY_CONNECTIONS = (
    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 42\r\n\r\ntoo many connections from this address\r\n\r\n"
)
_HEADERS_END = b"\r\n\r\n"


@dataclass(frozen=True)
class ConnectionLimits:
    """``handshake_timeout``: seconds to send a complete request head (request line and
    headers); ``max_per_ip``: open connections per client address (None: no limit)."""

    handshake_timeout: float = 10.0
    max_per_ip: int | None = 64


class ConnectionGuard:
    """A protocol factory around aiohttp's: counts connections per address and times out
    connections that never finish their first request head."""

    def __init__(self, factory: Callable[[], asyncio.Protocol], limits: ConnectionLimits):
        self._factory = factory
        self.limits = limits
        self.per_ip: Counter[str] = Counter()

    def __call__(self) -> asyncio.Protocol:
        return _GuardedProtocol(self, self._factory())

    def admit(self, address: str) -> bool:
        limit = self.limits.max_per_ip
        if limit is not None and self.per_ip[address] >= limit:
            return False
        self.per_ip[address] += 1
        return True

    def release(self, address: str) -> None:
        self.per_ip[address] -= 1
        if self.per_ip[address] <= 0:
            del self.per_ip[address]


class _GuardedProtocol(asyncio.Protocol):
    """Forwards every protocol call to aiohttp's handler, watching the first request head."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self._guard = guard
        self._inner = inner
        self._address: str | None = None
        self._tail = b""
        self._deadline: asyncio.TimerHandle | None = None
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"
        if not self._guard.admit(address):
            logger.info("refusing a connection from %s: too many connections", address)
            transport.write(TOO_MANY_CONNECTIONS)
            transport.close()
            return
        self._address = address
        loop = asyncio.get_running_loop()
        self._deadline = loop.call_later(self._guard.limits.handshake_timeout, self._expire)
        self._inner.connection_made(transport)

    def _expire(self) -> None:
        self._deadline = None
        if self._transport is not None and not self._transport.is_closing():
            logger.info("closing a connection from %s: no request within %g s",
                        self._address, self._guard.limits.handshake_timeout)
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._address is None:
            return
        if self._deadline is not None:
            seen = self._tail + data
            if _HEADERS_END in seen:
                self._deadline.cancel()
                self._deadline = None
            self._tail = seen[-3:]
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self._address is None:
            return None
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if self._address is None:
            return
        self._guard.release(self._address)
        self._address = None
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


class GuardedSite(web.BaseSite):
    """``web.TCPSite`` with a ``ConnectionGuard`` in front of the runner's handler."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, limits: ConnectionLimits):
        super().__init__(runner)
        self._host = host
        self._port = port
        self._limits = limits
        self.guard: ConnectionGuard | None = None
        self.port = port

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.port}"

    async def start(self) -> None:
        await super().start()
        server: Any = self._runner.server
        assert server is not None
        self.guard = ConnectionGuard(server, self._limits)
        self._server = await asyncio.get_running_loop().create_server(
            self.guard, self._host, self._port, reuse_address=True
        )
        sockets = self._server.sockets
        if sockets:
            self.port = sockets[0].getsockname()[1]
