"""HTTP signalling for browser calls: ``POST /offer`` (SDP offer in, complete answer out).

``add_webrtc_routes`` installs the offer route and the page on an aiohttp app. Each accepted
offer creates a ``WebRTCRoom`` and hands it to the server's ``on_connection`` handler (which
runs the job's entrypoint); the app owns those tasks and closes every room on shutdown.
Candidates are gathered before answering (no trickle ICE), so one round trip is enough.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ...utils.tasks import TaskGroup
from ..text_input import DEFAULT_MAX_TEXT_CHARS
from .ice import allow_loopback_candidates
from .page import add_page_routes
from .room import WebRTCRoom

logger = logging.getLogger("vocalis.transports.webrtc")

ConnectionHandler = Callable[[WebRTCRoom, dict[str, Any]], Awaitable[Any]]
"""``on_connection(room, metadata)``: runs one job for a room (``server.ConnectionHandler``)."""

RequestCheck = Callable[[web.Request], bool]

MAX_SDP_BYTES = 64 * 1024
BODY_TIMEOUT = 10.0
"""Seconds the offer's body may take to arrive (a trickled body would hold a connection)."""
OFFER_PATH = "/offer"
"""Where the page posts its offer (relative to the page, so behind a path prefix too)."""


@dataclass
class WebRTCSettings:
    """How the WebRTC transport answers browsers.

    ``ice_servers`` is empty by default: host candidates are enough on one machine or a LAN
    (the reference defaults to Google's STUN server, which a closed network cannot reach and
    which only delays every answer). ``loopback_candidates`` also offers 127.0.0.1, for a
    browser on this machine. ``max_rooms`` bounds concurrent calls (more get HTTP 503);
    ``page`` serves the browser page at ``/``.
    """

    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    loopback_candidates: bool = True
    max_rooms: int = 16
    page: bool = True


@dataclass
class _Calls:
    rooms: set[WebRTCRoom] = field(default_factory=set)
    tasks: TaskGroup = field(default_factory=lambda: TaskGroup("vocalis.webrtc.calls"))


CALLS_KEY = web.AppKey("vocalis.webrtc.calls", _Calls)


def settings_from(options: Any) -> WebRTCSettings:
    """``WebRTCSettings`` from ``options``: settings, a ``RoomOptions`` or a ``WebRTCConfig``.

    Only ICE servers are read from a room option's ``webrtc`` config, and only when given
    explicitly (a list that is not the reference's public STUN default).
    """
    if options is None:
        return WebRTCSettings()
    if isinstance(options, WebRTCSettings):
        return options
    config = getattr(options, "webrtc", options)
    servers = getattr(config, "ice_servers", None) or []
    public_default = all("stun.l.google.com" in str(s.get("urls", "")) for s in servers)
    return WebRTCSettings(ice_servers=[] if public_default else list(servers))


def add_webrtc_routes(
    app: web.Application,
    on_connection: ConnectionHandler,
    *,
    options: Any = None,
    authorize: RequestCheck | None = None,
) -> None:
    """Install ``POST /offer`` (and the page at ``/``) on ``app``: a ``server.RouteInstaller``.

    On the shared server (``vocalis.transports.server``) the access-token middleware guards
    every route, the page included (open it as ``/?token=...``; the page sends the token with
    its offer). ``authorize(request)`` adds a check of its own for apps built without that
    middleware; ``None`` leaves it to the app.
    """
    settings = settings_from(options)
    if settings.loopback_candidates:
        allow_loopback_candidates()
    calls = _Calls()
    app[CALLS_KEY] = calls

    async def offer(request: web.Request) -> web.Response:
        if authorize is not None and not authorize(request):
            return _json_error(401, "missing or wrong access token (?token=... or Bearer)")
        try:
            body = await asyncio.wait_for(request.json(), BODY_TIMEOUT)
        except (ValueError, RecursionError):
            return _json_error(400, 'the body must be JSON: {"sdp": ..., "type": "offer"}')
        except TimeoutError:
            return _json_error(408, f"the offer did not arrive within {BODY_TIMEOUT:g} s")
        sdp = body.get("sdp") if isinstance(body, dict) else None
        kind = body.get("type", "offer") if isinstance(body, dict) else None
        if not isinstance(sdp, str) or not sdp.strip() or kind != "offer":
            return _json_error(400, 'expected {"sdp": <string>, "type": "offer"}')
        if len(sdp) > MAX_SDP_BYTES:
            return _json_error(413, "SDP offer too large")
        refusal = _at_capacity(request.app, calls, settings.max_rooms)
        if refusal is not None:
            return _json_error(503, refusal)
        room = WebRTCRoom(
            ice_servers=settings.ice_servers, metadata=_metadata(request),
            max_text_chars=_max_text_chars(request.app),
        )
        calls.rooms.add(room)
        try:
            answer = await room.accept_offer(sdp)
        except Exception:
            calls.rooms.discard(room)
            await room.aclose("bad offer")
            logger.warning("rejected a WebRTC offer from %s", request.remote, exc_info=True)
            return _json_error(400, "could not accept the offer: is it a valid SDP audio offer?")
        calls.tasks.spawn(_run_call(room, on_connection, calls), name=f"vocalis.{room.room_id}")
        return web.json_response({"sdp": answer.sdp, "type": answer.type, "room_id": room.room_id})

    async def close_calls(_: web.Application) -> None:
        await asyncio.gather(
            *(room.aclose("server shutting down") for room in list(calls.rooms)),
            return_exceptions=True,
        )
        await calls.tasks.aclose()

    app.router.add_post(OFFER_PATH, offer)
    app.on_shutdown.append(close_calls)
    if settings.page:
        add_page_routes(app)


async def _run_call(room: WebRTCRoom, on_connection: ConnectionHandler, calls: _Calls) -> None:
    try:
        await on_connection(room, dict(room.metadata))
    except Exception:
        logger.exception("%s: the job failed", room.room_id)
    finally:
        await room.aclose("job ended")
        calls.rooms.discard(room)


def _metadata(request: web.Request) -> dict[str, Any]:
    """The job's metadata: the page's query parameters (minus the token), transport, remote."""
    query = {k: v for k, v in request.query.items() if k != "token"}
    return {**query, "transport": "webrtc", "remote": request.remote}


def _at_capacity(app: web.Application, calls: _Calls, max_rooms: int) -> str | None:
    """Why a new call would be refused now, or None: the shared server's session limit first."""
    from ..server import SERVER_KEY

    server = app.get(SERVER_KEY)
    if server is not None and server.slots.active >= server.slots.limit:
        return f"server at capacity (max_sessions={server.slots.limit})"
    if len(calls.rooms) >= max_rooms:
        return f"too many calls (max_rooms={max_rooms})"
    return None


def _max_text_chars(app: web.Application) -> int:
    """The shared server's typed-text limit, or the default on an app of one's own."""
    from ..server import LIMITS_KEY

    limits = app.get(LIMITS_KEY)
    return limits.max_text_chars if limits is not None else DEFAULT_MAX_TEXT_CHARS


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
