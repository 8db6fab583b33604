"""``CallBridge``: the front's connection handler. Each incoming call is handed to a worker
through a dispatcher, the worker dials back, and the call's media is relayed (``relay``).

Placing a call: the bridge expects a fresh token on its link listener, asks the dispatcher to
hand ``JobRequest(link_address, token, ...)`` to a worker, then waits for that worker to dial
in. If the worker refuses the call or vanishes before dialing, the call goes to another
worker until ``assign_timeout`` runs out; nothing waits longer. A call no worker can take
closes with "server at capacity" (WebSocket code 1013: try again later).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from ...transports.base import RoomConnection
from ..dispatch.messages import JobRequest, JobUpdate, NoWorkerAvailable
from ..link.listener import IncomingLink, LinkListener
from .relay import relay_call

logger = logging.getLogger("vocalis.worker.front")

ASSIGN_TIMEOUT = 10.0
"""Seconds a new call may wait for a worker to take it and dial back."""

NO_AGENT = "server at capacity"


class Dispatcher(Protocol):
    """Hands calls to workers (``LocalDispatcher``, ``RedisDispatcher``)."""

    async def dispatch(self, request: JobRequest, on_update: Any) -> None:
        """Give ``request`` to a worker, or raise ``NoWorkerAvailable``; ``on_update`` gets
        that job's ``JobUpdate``s until ``release(job_id)``."""

    def release(self, job_id: str) -> None: ...


@dataclass
class FrontCall:
    """One call seen from the front (for stats and the debug page)."""

    room: RoomConnection
    metadata: dict[str, Any]
    started_at: float = field(default_factory=time.time)
    job_id: str = ""
    worker_id: str = ""
    state: str = "dispatching"
    attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "room_id": self.room.room_id, "transport": self.room.transport,
            "job_id": self.job_id, "worker_id": self.worker_id, "state": self.state,
            "started_at": self.started_at, "seconds": round(time.time() - self.started_at, 1),
            "attempts": self.attempts,
        }


class CallBridge:
    """The ``ConnectionHandler`` of a front (see the module docstring)."""

    def __init__(self, dispatcher: Dispatcher, listener: LinkListener, *, agent_id: str,
                 front_id: str = "", assign_timeout: float = ASSIGN_TIMEOUT) -> None:
        self.dispatcher = dispatcher
        self.listener = listener
        self.agent_id = agent_id
        self.front_id = front_id or uuid.uuid4().hex[:12]
        self.assign_timeout = assign_timeout
        self.draining = False
        self.calls: dict[str, FrontCall] = {}
        self.ended: dict[str, int] = {}
        self.refused = 0

    async def __call__(self, room: RoomConnection, metadata: dict[str, Any]) -> None:
        if self.draining:
            self.refused += 1
            await room.aclose("server_shutdown")
            return
        call = FrontCall(room, dict(metadata))
        self.calls[room.room_id] = call
        reason = "closed"
        try:
            placed = await self._place(call)
            if placed is not None:
                incoming, updates = placed
                call.state = "linked"
                reason = await relay_call(room, incoming.link, updates)
        finally:
            call.state = "ended"
            self.calls.pop(room.room_id, None)
            if call.job_id:
                self.dispatcher.release(call.job_id)
            reason = room.close_reason or reason
            self.ended[reason] = self.ended.get(reason, 0) + 1

    async def _place(
        self, call: FrontCall
    ) -> tuple[IncomingLink, asyncio.Queue[JobUpdate]] | None:
        """Hand the call to a worker until one dials back; None if the call ended instead."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.assign_timeout
        room = call.room
        error = ""
        while not room.closed.is_set() and loop.time() < deadline:
            call.attempts += 1
            token = secrets.token_urlsafe(24)
            job_id = uuid.uuid4().hex
            updates: asyncio.Queue[JobUpdate] = asyncio.Queue()

            def on_update(update: JobUpdate, queue: asyncio.Queue[JobUpdate] = updates) -> None:
                call.worker_id = update.worker_id or call.worker_id
                queue.put_nowait(update)

            waiter = self.listener.expect(token)
            request = JobRequest(
                job_id=job_id, agent_id=self.agent_id, link_address=self.listener.address,
                token=token, metadata=call.metadata, room_id=room.room_id,
                transport=room.transport, front_id=self.front_id,
                expires_at=time.time() + max(0.0, deadline - loop.time()),
            )
            try:
                await self.dispatcher.dispatch(request, on_update)
            except NoWorkerAvailable as exc:
                self.listener.forget(token)
                error = str(exc)
                break
            call.job_id = job_id
            outcome = await _first_of(waiter, updates, room, deadline - loop.time())
            if isinstance(outcome, IncomingLink):
                return outcome, updates
            self.listener.forget(token)
            self.dispatcher.release(job_id)
            call.job_id = ""
            # Before the worker dialed back, any end of the job is the worker's trouble (it
            # died, it could not take the call): the next worker may do better.
            error = (outcome.error or outcome.status) if isinstance(outcome, JobUpdate) else (
                "no worker dialed back in time")
        if not room.closed.is_set():
            self.refused += 1
            logger.warning("call %s: no worker took it (%s)", room.room_id, error or "timeout")
            await room.aclose(NO_AGENT)
        return None

    def stats(self) -> dict[str, Any]:
        return {
            "front_id": self.front_id, "draining": self.draining, "active_calls": len(self.calls),
            "refused_calls": self.refused, "ended_calls": dict(self.ended),
            "link_address": self.listener.address,
        }


async def _first_of(
    waiter: asyncio.Future[IncomingLink], updates: asyncio.Queue[JobUpdate],
    room: RoomConnection, timeout: float,
) -> IncomingLink | JobUpdate | None:
    """The worker's link, a final update that came first, or None (room closed, timeout)."""

    async def final_update() -> JobUpdate:
        while True:
            update = await updates.get()
            if update.is_final:
                return update

    update = asyncio.ensure_future(final_update())
    closed = asyncio.ensure_future(room.closed.wait())
    try:
        await asyncio.wait({waiter, update, closed}, timeout=max(0.0, timeout),
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        update.cancel()
        closed.cancel()
    if waiter.done() and not waiter.cancelled():
        return waiter.result()
    if update.done() and not update.cancelled():
        return update.result()
    return None

