"""``JobContext``: the runtime state of one job — its connection, shutdown and lifetime rules.

One job serves one user connection with one ``AgentSession``. While an entrypoint runs, the
job's context is the current one (a ``contextvars.ContextVar``), so ``AgentSession.start()``
finds the connection and attaches itself. Many jobs run at once in one process; each task
sees its own context.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..transports.base import RoomConnection
from ..transports.console import console_room
from ..transports.file import FileRoom
from ..utils.current_job import current_job, reset_current_job, set_current_job
from .options import RoomOptions, TransportMode

logger = logging.getLogger("vocalis.job")

SHUTDOWN_CALLBACK_TIMEOUT = 15.0
"""Seconds each shutdown callback may take (the reference's value)."""

ShutdownCallback = Callable[[], Awaitable[Any] | Any]

def get_current_job_context() -> JobContext | None:
    """The context of the job whose entrypoint is running in this task, if any."""
    return current_job()


def _set_current_job_context(ctx: JobContext | None) -> contextvars.Token[Any]:
    return set_current_job(ctx)


def _reset_current_job_context(token: contextvars.Token[Any]) -> None:
    reset_current_job(token)


class JobContext:
    """One job: ``room`` (the ``RoomConnection``), shutdown callbacks, lifetime timeouts.

    Server transports create the context with its connection already bound (``room=``);
    console and file modes create their connection in ``connect()``.
    """

    def __init__(
        self,
        *,
        room_options: RoomOptions,
        metadata: dict[str, Any] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        room: RoomConnection | None = None,
    ) -> None:
        self.room_options = room_options
        self.metadata: dict[str, Any] = dict(metadata or {})
        self._loop = loop
        self.room: RoomConnection | None = room
        self.shutdown_reason = ""
        self._shutdown_callbacks: list[ShutdownCallback] = []
        self._shutdown_requested = asyncio.Event()
        self._shutdown_task: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._connected = False
        self._joined = asyncio.Event()
        self.observers: Any = None
        """The process's ``CallObservers`` (call history, telemetry), set by the launcher."""
        self.call_id: str | None = None
        """The id the history and telemetry give the call, when the launcher already named it
        (``vocalis start``: the front's job id, so its dashboard finds the call); else made
        when the session starts."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop or asyncio.get_running_loop()

    @property
    def is_shutting_down(self) -> bool:
        return self._shutdown_requested.is_set()

    def bind_room(self, room: RoomConnection) -> None:
        """Give the job its connection (done by the server before the entrypoint runs)."""
        if self.room is not None and self.room is not room:
            raise RuntimeError("this job already has a connection")
        self.room = room

    async def connect(self) -> None:
        """Open the job's connection (idempotent) and start the lifetime watchdog.

        Console and file modes create their connection here. A server transport's connection
        comes from the server (``vocalis serve``, ``WorkerJob.start()``), one per client.
        """
        if self._connected:
            return
        if self.room is None:
            self.room = self._create_room()
        await self.room.connect()
        self._connected = True
        self.notify_meeting_joined()
        if self._watchdog is None:
            self._watchdog = asyncio.ensure_future(self._watch_lifetime())

    def _create_room(self) -> RoomConnection:
        mode = self.room_options.mode
        if mode is TransportMode.CONSOLE:
            return console_room(text=bool(self.metadata.get("console_text", False)))
        if mode is TransportMode.FILE:
            if self.room_options.file is None or not self.room_options.file.input:
                raise ValueError("transport_mode=FILE needs RoomOptions(file=FileConfig(input=...))")
            return FileRoom(self.room_options.file)
        raise RuntimeError(
            f"{mode.value} connections come from a server: run the entrypoint with "
            "WorkerJob(...).start() or `vocalis serve AGENT_FILE`, which make one job per client"
        )

    async def session_starting(self, session: Any) -> None:
        """Called by ``AgentSession.start`` before the pipeline starts: the job's observers
        (call history and telemetry) subscribe to the session's events here."""
        observers = self.observers
        if observers is None:
            # Storage and telemetry load only for jobs that use them.
            from .observers import observers_for_options

            observers = observers_for_options(self.room_options)
        if observers is not None:
            await observers.attach(session, self)

    def add_shutdown_callback(self, callback: ShutdownCallback) -> None:
        """Run ``callback`` (sync or async) when the job shuts down; added once."""
        if callback not in self._shutdown_callbacks:
            self._shutdown_callbacks.append(callback)

    async def wait_for_participant(
        self, participant_id: str | None = None, *, timeout: float | None = None
    ) -> str | None:
        """The participant's id once the user is there; None on timeout or disconnect. A
        connection carries one participant, so ``participant_id`` (the reference's way to wait
        for someone in a room) is accepted and not needed."""
        if self.room is None:
            raise ValueError("no connection: call `await ctx.connect()` first")
        return await self.room.wait_for_participant(timeout)

    async def wait_for_meeting_joined(self, timeout: float = 30.0) -> bool:
        """Whether the agent's connection is up within ``timeout`` seconds (the reference's
        "the agent joined the meeting")."""
        try:
            await asyncio.wait_for(self._joined.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def notify_meeting_joined(self) -> None:
        """Mark the connection as up (``connect`` does it)."""
        self._joined.set()

    def get_room_id(self) -> str | None:
        """The id of this job's connection (a self-hosted "room" is one user's connection; no
        room is created on a cloud)."""
        return self.room.room_id if self.room is not None else self.room_options.room_id

    @staticmethod
    def create_room_static(auth_token: str, signaling_base_url: str = "api.videosdk.live") -> str:
        """Cloud-only in the reference (a VideoSDK REST call)."""
        raise RuntimeError(
            "creating a VideoSDK room is a cloud feature; self-hosted, each client connection "
            "is its own room: serve the agent (`vocalis serve agent.py`) and connect to it"
        )

    def shutdown(self, reason: str = "") -> asyncio.Task[None]:
        """Request the end of the job; returns the (single, awaitable) shutdown task, which runs
        the shutdown callbacks (15 s each) and closes the connection. Idempotent."""
        if self._shutdown_task is None:
            self.shutdown_reason = reason
            self._shutdown_requested.set()
            self._shutdown_task = asyncio.ensure_future(self._run_shutdown(reason))
        return self._shutdown_task

    async def _run_shutdown(self, reason: str) -> None:
        logger.debug("job %s shutting down (%s)", self.room and self.room.room_id, reason)
        for callback in list(self._shutdown_callbacks):
            try:
                result = callback()
                if inspect.isawaitable(result):
                    await asyncio.wait_for(result, SHUTDOWN_CALLBACK_TIMEOUT)
            except TimeoutError:
                logger.warning("shutdown callback %r timed out", callback)
            except Exception:
                logger.exception("shutdown callback %r failed", callback)
        self._shutdown_callbacks.clear()
        if self.room is not None:
            await self.room.aclose(reason or "shutdown")
        watchdog = self._watchdog
        if watchdog is not None and watchdog is not asyncio.current_task():
            watchdog.cancel()

    async def wait_until_done(self) -> None:
        """Block until the connection closes or shutdown is requested."""
        waiters = [asyncio.ensure_future(self._shutdown_requested.wait())]
        if self.room is not None:
            waiters.append(asyncio.ensure_future(self.room.closed.wait()))
        try:
            await asyncio.wait(waiters, return_when="FIRST_COMPLETED")
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def run_until_shutdown(
        self, session: Any = None, wait_for_participant: bool = False
    ) -> None:
        """Connect, optionally wait for the user, start ``session``, block until the connection
        closes or shutdown is requested, then shut down (closing the session)."""
        if session is not None:
            self.add_shutdown_callback(session.close)
        try:
            await self.connect()
            if wait_for_participant:
                timeout = self.room_options.no_participant_timeout_seconds
                if await self.wait_for_participant(timeout=timeout) is None:
                    await self.shutdown("no_participant")
                    return
            if session is not None:
                await session.start()
            await self.wait_until_done()
        finally:
            reason = self.room.close_reason if self.room and self.room.closed.is_set() else ""
            await asyncio.shield(self.shutdown(self.shutdown_reason or reason or "completed"))

    async def _watch_lifetime(self) -> None:
        """End the job when nobody joins in time, or when the participant left and did not come
        back within ``session_timeout_seconds`` (with ``auto_end_session``)."""
        options = self.room_options
        room = self.room
        if room is None or not options.auto_end_session:
            return
        limit = options.no_participant_timeout_seconds
        if await room.wait_for_participant(limit) is None:
            if not room.closed.is_set():
                self.shutdown("no_participant")
            return
        while not room.closed.is_set():
            await room.participant_left.wait()
            grace = options.session_timeout_seconds
            if grace is None:
                return
            try:
                await asyncio.wait_for(_until_rejoined(room), grace)
            except TimeoutError:
                self.shutdown("participant_left")
                return


async def _until_rejoined(room: RoomConnection) -> None:
    while room.participant_left.is_set() and not room.closed.is_set():
        await asyncio.sleep(0.05)
