"""``SipService``: the agent's SIP phone line. Answers incoming calls and places outgoing ones,
each call running one job through the server's connection handler (like a WebSocket client).

On an agent server it is started by the ``sip_routes(config)`` installer (with the aiohttp
app's startup and cleanup), which also adds ``POST /sip/calls`` ({"to": "sip:..."}) to place a
call. Standalone (``vocalis dial``): ``async with SipService(config, on_connection) as sip:
room = await sip.dial("sip:bob@example.com")``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import web

from ...utils.tasks import TaskGroup
from ..server import ConnectionHandler, RouteInstaller
from .config import SIPConfig
from .endpoint import SipEndpoint, SipError
from .leg import CallLeg
from .room import SipCallRoom

logger = logging.getLogger("vocalis.sip")

SIP_SERVICE_KEY: web.AppKey[SipService] = web.AppKey("vocalis_sip", object)  # type: ignore[arg-type]


class SipService:
    """A SIP endpoint plus one job per call (see the module docstring)."""

    def __init__(self, config: SIPConfig, on_connection: ConnectionHandler) -> None:
        self.config = config
        self.on_connection = on_connection
        self.endpoint = SipEndpoint(config, self._incoming)
        self.rooms: set[SipCallRoom] = set()
        self._tasks = TaskGroup("vocalis.sip.calls")

    @property
    def address(self) -> str:
        return self.endpoint.address

    async def start(self) -> None:
        await self.endpoint.start()

    async def aclose(self) -> None:
        """End every call and job, then stop the endpoint."""
        for room in list(self.rooms):
            with contextlib.suppress(Exception):
                await room.aclose("server_shutdown")
        await self._tasks.aclose()
        await self.endpoint.aclose()

    async def __aenter__(self) -> SipService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- calls -----------------------------------------------------------------------------------

    def _incoming(self, call_id: int) -> None:
        """SIP thread: wrap the new call, tell the caller it rings, hand it to the loop."""
        leg = CallLeg(self.endpoint, call_id)
        leg.ring()
        info = leg.getInfo()
        self.endpoint.post(self._start_inbound, leg, info.remoteUri, info.localUri)

    def _start_inbound(self, leg: CallLeg, remote_uri: str, local_uri: str) -> None:
        room = SipCallRoom(self.endpoint, leg, direction="inbound", remote_uri=remote_uri,
                           metadata={"local_uri": local_uri}, place_call=self._place_call)
        self._run_job(room)

    async def dial(
        self, to: str, *, headers: dict[str, str] | None = None,
        metadata: dict[str, Any] | None = None, run_job: bool = True,
    ) -> SipCallRoom:
        """Call ``to`` (a SIP URI) and start its job at once; the agent's greeting waits until
        the callee answers (``room.answered``). An unanswered call ends after
        ``SIPConfig.answer_timeout`` seconds; ``room.close_reason`` says why. With
        ``run_job=False`` no job runs: the caller attaches its own session to the room."""
        uri = to if to.startswith(("sip:", "sips:")) else f"sip:{to}"
        leg = await self.endpoint.run(CallLeg, self.endpoint)
        room = SipCallRoom(self.endpoint, leg, direction="outbound", remote_uri=uri,
                           metadata=dict(metadata or {}), place_call=self._place_call)
        try:
            await self.endpoint.run(leg.dial, uri, headers)
        except Exception as exc:
            await room.aclose(f"could not call {uri}")
            raise SipError(f"could not call {uri}: {exc}") from exc
        if run_job:
            self._run_job(room)
        else:
            self.rooms.add(room)
            room.setup_session_end_callback(lambda _reason: self.rooms.discard(room))
        self._tasks.spawn(self._ring_timeout(room), name=f"vocalis.sip.ringing.{room.room_id}")
        return room

    async def _place_call(self, to: str) -> SipCallRoom:
        return await self.dial(to, run_job=False, metadata={"purpose": "consultation"})

    async def _ring_timeout(self, room: SipCallRoom) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(room.wait_until_answered(), self.config.answer_timeout)
            return
        await room.aclose(f"not answered within {self.config.answer_timeout:g} s")

    def _run_job(self, room: SipCallRoom) -> None:
        self.rooms.add(room)
        self._tasks.spawn(self._job(room), name=f"vocalis.sip.job.{room.room_id}")

    async def _job(self, room: SipCallRoom) -> None:
        try:
            await self.on_connection(room, room.metadata)
        finally:
            await room.aclose(room.close_reason or "job ended")
            self.rooms.discard(room)


def sip_routes(config: SIPConfig) -> RouteInstaller:
    """A route installer: the SIP service starts and stops with the agent server, and
    ``POST /sip/calls`` ({"to": "sip:..."}, token-protected like every route) places a call."""

    def install(app: web.Application, on_connection: ConnectionHandler) -> None:
        service = SipService(config, on_connection)
        app[SIP_SERVICE_KEY] = service

        async def start(_app: web.Application) -> None:
            await service.start()

        async def stop(_app: web.Application) -> None:
            await service.aclose()

        async def place_call(request: web.Request) -> web.Response:
            try:
                body = await request.json()
                to = str(body["to"])
            except (ValueError, KeyError, TypeError):
                return web.json_response({"error": 'expected {"to": "sip:..."}'}, status=400)
            try:
                room = await service.dial(to, metadata={"requested_by": "api"})
            except SipError as exc:
                return web.json_response({"error": str(exc)}, status=502)
            return web.json_response({"room_id": room.room_id, "to": room.remote_uri},
                                     status=201)

        app.on_startup.append(start)
        app.on_cleanup.append(stop)
        app.router.add_post("/sip/calls", place_call)

    return install


def sip_service(app: web.Application) -> SipService | None:
    """The SIP service of a running agent server, if it has one."""
    return app.get(SIP_SERVICE_KEY)
