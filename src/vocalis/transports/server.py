"""The agent server: one aiohttp application where every server transport adds its routes, and
each incoming connection becomes one job running the entrypoint in its own task.

Route installers have the signature ``install(app: web.Application, on_connection:
ConnectionHandler) -> None``. A transport's request handler builds its ``RoomConnection`` and
runs ``await on_connection(room, metadata)`` in a task of its own (next to its read loop);
``on_connection`` creates the ``JobContext`` bound to that room, makes it current, runs the
entrypoint, waits for ``room.closed`` (or the job's shutdown), runs the shutdown callbacks and
returns. ``metadata`` becomes ``ctx.metadata`` (the query parameters, minus the token, plus
``transport`` and ``remote``). Limits for handlers: ``server_limits(app)``.

Every route requires the access token when one is configured, except handlers marked with
``security.public``. Mounted by default: ``/ws`` (raw PCM, ``websocket_routes``),
``/twilio`` (Twilio media streams, ``telephony_routes``) and ``/healthz`` (``{"status": "ok"}``
for anyone; the session count too for a request with the token, or on a server without one).

Before HTTP, every TCP connection passes a ``ConnectionGuard`` (handshake deadline, connections
per address); every call ends at ``max_call_duration_seconds``; the access log never shows a
token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..utils.tasks import TaskGroup
from .access_log import RedactedAccessLogger
from .base import RoomConnection
from .connection_guard import ConnectionLimits, GuardedSite
from .security import (
    SessionSlots,
    access_token_middleware,
    presented_token,
    public,
    token_matches,
)
from .text_input import DEFAULT_MAX_TEXT_CHARS

if TYPE_CHECKING:
    from ..job.options import RoomOptions

logger = logging.getLogger("vocalis.transports.server")

ConnectionHandler = Callable[[RoomConnection, dict[str, Any]], Awaitable[None]]
"""``async def on_connection(room, metadata) -> None``: runs one job for one connection."""

RouteInstaller = Callable[[web.Application, ConnectionHandler], None]
"""``def install(app, on_connection) -> None``: add a transport's routes to the app."""

JOB_CLOSE_TIMEOUT = 20.0
"""Seconds a finished connection's handler waits for its job's shutdown before cancelling it."""


@dataclass(frozen=True)
class ServerLimits:
    """What the server and every transport handler enforce (from ``RoomOptions``, whose
    docstring explains each; None disables a timeout or limit)."""

    max_message_bytes: int
    max_sessions: int
    access_token: str | None
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    media_timeout_seconds: float | None = None
    max_call_duration_seconds: float | None = None
    handshake_timeout_seconds: float = 10.0
    max_connections_per_ip: int | None = None


LIMITS_KEY: web.AppKey[ServerLimits] = web.AppKey("vocalis_limits", ServerLimits)
SERVER_KEY: web.AppKey[AgentServer] = web.AppKey("vocalis_server", object)  # type: ignore[arg-type]


def server_limits(app: web.Application) -> ServerLimits:
    return app[LIMITS_KEY]


class AgentServer:
    """Serves the transports on ``host:port`` and runs one job per connection.

    ``on_connection`` is wrapped: it is refused (the room is closed with "server at capacity")
    beyond ``max_sessions``, ended at ``max_call_duration_seconds``, and tracked so that
    ``aclose`` ends every session.
    """

    def __init__(
        self,
        on_connection: ConnectionHandler,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        limits: ServerLimits,
        routes: list[RouteInstaller] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.limits = limits
        self.slots = SessionSlots(limits.max_sessions)
        self.rooms: set[RoomConnection] = set()
        self._jobs: set[asyncio.Task[Any]] = set()
        self._calls_ended = TaskGroup("vocalis.server.call_limit")
        self._handler = on_connection
        self._runner: web.AppRunner | None = None
        self.app = web.Application(middlewares=[access_token_middleware(limits.access_token)])
        self.app[LIMITS_KEY] = limits
        self.app[SERVER_KEY] = self
        self.app.router.add_get("/healthz", self._health)
        for install in routes or []:
            install(self.app, self.on_connection)

    @public
    async def _health(self, request: web.Request) -> web.Response:
        if not token_matches(presented_token(request), self.limits.access_token):
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "ok", "sessions": len(self.rooms)})

    @property
    def active_sessions(self) -> int:
        return len(self.rooms)

    async def on_connection(self, room: RoomConnection, metadata: dict[str, Any]) -> None:
        """Run one job for ``room`` (see ``ConnectionHandler``)."""
        if not self.slots.try_acquire():
            await room.aclose("server at capacity")
            return
        task = asyncio.current_task()
        self.rooms.add(room)
        if task is not None:
            self._jobs.add(task)
        limit = self.limits.max_call_duration_seconds
        timer = None
        if limit is not None:
            timer = asyncio.get_running_loop().call_later(limit, self._end_call, room, limit)
        try:
            await self._handler(room, metadata)
        finally:
            if timer is not None:
                timer.cancel()
            await room.aclose(room.close_reason or "job ended")
            self.rooms.discard(room)
            self.slots.release()
            if task is not None:
                self._jobs.discard(task)

    def _end_call(self, room: RoomConnection, limit: float) -> None:
        if not room.is_closing:
            logger.info("%s reached the call time limit (%g s)", room.room_id, limit)
            self._calls_ended.spawn(room.aclose(f"call time limit reached ({limit:g} s)"))

    async def start(self) -> None:
        """Bind and listen; ``port`` is updated when 0 asked for a free one."""
        limits = self.limits
        self._runner = web.AppRunner(
            self.app,
            handle_signals=False,
            access_log_class=RedactedAccessLogger,
            keepalive_timeout=limits.handshake_timeout_seconds,
        )
        await self._runner.setup()
        site = GuardedSite(
            self._runner, self.host, self.port,
            ConnectionLimits(limits.handshake_timeout_seconds, limits.max_connections_per_ip),
        )
        await site.start()
        self.port = site.port
        logger.info("vocalis agent server on http://%s:%d", self.host, self.port)

    def url(self, path: str = "/", scheme: str = "http") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}{path}"

    async def aclose(self) -> None:
        """Close every connection ("server_shutdown"), wait for the jobs, stop listening."""
        for room in list(self.rooms):
            with contextlib.suppress(Exception):
                await room.aclose("server_shutdown")
        if self._jobs:
            await asyncio.wait(list(self._jobs), timeout=JOB_CLOSE_TIMEOUT)
        await self._calls_ended.aclose()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> AgentServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def default_routes(room_options: RoomOptions) -> list[RouteInstaller]:
    """The raw-PCM WebSocket and Twilio media-stream routes at their configured paths."""
    from .telephony import telephony_routes
    from .websocket import websocket_routes

    assert room_options.websocket is not None and room_options.telephony is not None
    return [
        websocket_routes(room_options.websocket.path),
        telephony_routes(room_options.telephony),
    ]


def build_server(
    entrypoint: Callable[..., Awaitable[Any]],
    *,
    room_options: RoomOptions,
    routes: list[RouteInstaller] | None = None,
    jobctx: Any = None,
) -> AgentServer:
    """An ``AgentServer`` on ``room_options.host`` and ``room_options.websocket.port`` with the
    default routes plus ``routes`` (for example the WebRTC helper's ``add_webrtc_routes``)."""
    from ..job.runner import connection_handler  # the job layer sits above transports

    assert room_options.websocket is not None
    limits = ServerLimits(
        max_message_bytes=room_options.max_message_bytes,
        max_sessions=room_options.max_sessions,
        access_token=room_options.access_token,
        max_text_chars=room_options.max_text_chars,
        media_timeout_seconds=room_options.media_timeout_seconds,
        max_call_duration_seconds=room_options.max_call_duration_seconds,
        handshake_timeout_seconds=room_options.handshake_timeout_seconds,
        max_connections_per_ip=room_options.max_connections_per_ip,
    )
    return AgentServer(
        connection_handler(entrypoint, room_options=room_options, jobctx=jobctx),
        host=room_options.host,
        port=room_options.websocket.port,
        limits=limits,
        routes=default_routes(room_options) + list(routes or []),
    )


async def serve(
    entrypoint: Callable[..., Awaitable[Any]],
    *,
    room_options: RoomOptions,
    routes: list[RouteInstaller] | None = None,
    jobctx: Any = None,
    ready: Callable[[AgentServer], Any] | None = None,
) -> None:
    """Serve until cancelled: every connection on any transport runs ``entrypoint`` as its own
    job. ``ready(server)`` is called once listening (to print the URL, or in tests)."""
    server = build_server(entrypoint, room_options=room_options, routes=routes, jobctx=jobctx)
    await server.start()
    try:
        if ready is not None:
            ready(server)
        await asyncio.Event().wait()
    finally:
        await server.aclose()
