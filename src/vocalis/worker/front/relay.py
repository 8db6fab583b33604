"""``relay_call``: one call's media between its transport room (here, in the front) and the
job serving it (in a worker), until either side ends it.

The worker's ``attached`` turns into a ``RemoteSession`` attached to the room, exactly where
an in-process job would attach its ``AgentSession``. The call ends:

- by the client: the worker is told (``close`` with the room's reason) and given a moment to
  end the job;
- by the worker: the room closes with the worker's reason ("session_closed", "job timed out",
  "error" after an error message to the client);
- by the worker's death (the link breaks or goes silent, or the dispatcher saw the worker
  vanish): the client gets an error message, then the room closes with "error".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from ...transports.base import RoomConnection
from ...utils.clock import now
from ..dispatch.messages import JobUpdate
from ..link.codec import AudioOut
from ..link.remote_session import RemoteSession
from ..link.stream import LinkClosed, LinkStream

logger = logging.getLogger("vocalis.worker.front")

CONTINUOUS_TRANSPORTS = frozenset({"webrtc"})
"""Transports that play the agent's track in real time and need its silence too (the others
skip silence, so only audible frames cross the link)."""

WORKER_CLOSE_SECONDS = 3.0
"""After the client left, how long the front waits for the worker to end the job."""

LINK_END_GRACE = 2.0
"""After the dispatcher reported the job over, how long the link may take to close itself."""

WORKER_LOST_REASON = "worker_lost"
"""How a pooled process ends its calls when its worker died (``kill -9`` of the worker)."""

AGENT_FAILED = "the agent failed and ended the call"
WORKER_LOST = "the agent's worker stopped unexpectedly; the call has ended"


class LinkedCall:
    """The state of one relayed call (``remote`` once the worker's session is attached)."""

    def __init__(self, room: RoomConnection, link: LinkStream) -> None:
        self.room = room
        self.link = link
        self.remote: RemoteSession | None = None
        self.offset = 0.0
        self.linked_at = now()

    def welcome(self) -> dict[str, Any]:
        room = self.room
        return {
            "type": "welcome", "t": now(), "room_id": room.room_id, "transport": room.transport,
            "participant_id": room.participant_id,
            "joined": room.participant_joined.is_set() and not room.participant_left.is_set(),
            "continuous": room.transport in CONTINUOUS_TRANSPORTS,
        }

    def tell_client(self, source: str, message: str) -> None:
        if self.remote is not None:
            self.remote.deliver_event("error", {"source": source, "error": message,
                                                "recoverable": False})

    async def read(self) -> tuple[str, bool]:
        """Relay the worker's frames; returns (reason, the worker ended it cleanly)."""
        try:
            while True:
                frame = await self.link.receive()
                if isinstance(frame, AudioOut):
                    if self.remote is not None:
                        self.remote.deliver_audio(frame)
                    continue
                kind = frame.get("type")
                if kind == "event" and self.remote is not None:
                    self.remote.deliver_event(str(frame.get("name")), frame.get("payload"))
                elif kind == "attached" and self.remote is None:
                    self.remote = RemoteSession(
                        self.link, sample_rate=int(frame.get("sample_rate") or 24000),
                        agent_state=frame.get("agent_state"), offset=self.offset)
                    self.room.attach_session(self.remote)
                elif kind == "clock":
                    self.offset = float(frame.get("offset") or 0.0)
                elif kind == "close":
                    return str(frame.get("reason") or "session_closed"), True
        except LinkClosed as exc:
            return str(exc), False


async def relay_call(room: RoomConnection, link: LinkStream,
                     updates: asyncio.Queue[JobUpdate]) -> str:
    """Run the call until it ends (see the module docstring); returns how it ended."""
    call = LinkedCall(room, link)
    link.send_control(call.welcome())

    def joined(payload: Any = None) -> None:
        pid = payload.get("participant_id") if isinstance(payload, dict) else None
        with contextlib.suppress(LinkClosed):
            link.send_control({"type": "joined", "participant_id": pid})

    def left(payload: Any = None) -> None:
        with contextlib.suppress(LinkClosed):
            link.send_control({"type": "left"})

    room.on("participant_joined", joined)
    room.on("participant_left", left)
    reader = asyncio.ensure_future(call.read())
    keepalive = asyncio.ensure_future(link.keepalive())
    closed = asyncio.ensure_future(room.closed.wait())
    lost = asyncio.ensure_future(_worker_gone(updates))
    try:
        await asyncio.wait({reader, closed, lost}, return_when=asyncio.FIRST_COMPLETED)
        if reader.done():
            reason, clean = reader.result()
            return await _worker_ended(call, reason, clean)
        if closed.done():
            with contextlib.suppress(LinkClosed):
                link.send_control({"type": "close", "reason": room.close_reason or "closed"})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(reader), WORKER_CLOSE_SECONDS)
            return room.close_reason or "closed"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(reader), LINK_END_GRACE)
        if reader.done():
            reason, clean = reader.result()
            return await _worker_ended(call, reason, clean)
        update = lost.result()
        logger.warning("call %s: worker %s gone (%s)", room.room_id, update.worker_id,
                       update.error)
        return await _worker_ended(call, update.error or "worker lost", False)
    finally:
        for task in (reader, keepalive, closed, lost):
            task.cancel()
        room.off("participant_joined", joined)
        room.off("participant_left", left)
        if call.remote is not None:
            call.remote.end()
        await link.aclose()


async def _worker_ended(call: LinkedCall, reason: str, clean: bool) -> str:
    if not clean or reason == WORKER_LOST_REASON:
        logger.warning("call %s: the worker is gone (%s)", call.room.room_id, reason)
        call.tell_client("worker", WORKER_LOST)
        reason = "error"
    elif reason == "error":
        call.tell_client("agent", AGENT_FAILED)
    if not call.room.closed.is_set():
        await call.room.aclose(reason)
    return reason


async def _worker_gone(updates: asyncio.Queue[JobUpdate]) -> JobUpdate:
    """The first final update for the job (the job ended, or its worker vanished)."""
    while True:
        update = await updates.get()
        if update.is_final:
            return update
