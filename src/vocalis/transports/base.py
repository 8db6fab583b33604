"""``RoomConnection``: one user's connection to the agent, whatever carries it.

A transport subclasses it. Per connection there is ONE job and ONE ``AgentSession``:
``attach_session`` starts pumping (transport audio in → ``session.push_audio``; the session's
output track out → the client; session events → client messages where the protocol has a
way), ``closed`` is set when the connection is over, ``aclose`` ends it. Every task a
connection starts belongs to it and is cancelled by ``aclose``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from ..audio import AudioFrame, TrackEndedError
from ..pipeline.events import DtmfReceived
from ..utils.events import EventEmitter
from ..utils.tasks import TaskGroup
from .pubsub import (
    DTMF_TOPIC,
    PubSubPublishConfig,
    PubSubSubscribeConfig,
    PubSubTopics,
    deliver,
    pubsub_message,
)

logger = logging.getLogger("vocalis.transports")

SESSION_EVENTS = (
    "user_transcript", "agent_text", "agent_state_changed", "user_state_changed",
    "interrupted", "error",
)
"""Session events a transport may forward to its client (see ``_on_session_event``)."""

FrameSink = Callable[[AudioFrame], Awaitable[None]]


class RoomConnection(EventEmitter[str], ABC):
    """A transport connection: the self-hosted counterpart of the reference's room.

    Events (sync handlers): ``participant_joined`` {"participant_id"}, ``participant_left``
    {}, ``dtmf`` {"digit"}, ``close`` {"reason"}.
    """

    transport: ClassVar[str] = "base"

    def __init__(self, *, room_id: str | None = None, metadata: dict[str, Any] | None = None):
        super().__init__()
        self.room_id = room_id or f"{self.transport}_{uuid.uuid4().hex[:12]}"
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.participant_id: str | None = None
        self.participant_joined = asyncio.Event()
        self.participant_left = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_reason = ""
        self.session: Any = None
        self._closing = False
        self._tasks = TaskGroup(f"vocalis.transports.{self.transport}")
        self._session_handlers: list[tuple[str, Callable[..., Any]]] = []
        self._pubsub = PubSubTopics()
        self._session_end_callbacks: list[Callable[[str], Any]] = []

    # ---- lifecycle ---------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the transport if it is not open yet (server connections already are)."""

    def attach_session(self, session: Any) -> None:
        """Bind the connection's one session and start pumping (idempotent for that session)."""
        if self.session is session:
            return
        if self.session is not None:
            raise RuntimeError("a connection carries one AgentSession; this one already has one")
        self.session = session
        self._subscribe("close", lambda *_: self._spawn(self.aclose("session_closed")))
        for name in SESSION_EVENTS:
            self._subscribe(name, lambda payload=None, _n=name: self._on_session_event(_n, payload))
        handler = getattr(session, "dtmf_handler", None)
        attach = getattr(handler, "attach_room", None)
        if callable(attach):
            attach(self)
        if self.closed.is_set():
            return
        self._on_session_attached(session)

    @abstractmethod
    def _on_session_attached(self, session: Any) -> None:
        """Start this transport's pumps for ``session``."""

    def _on_session_event(self, name: str, payload: Any) -> None:
        """Forward a session event to the client (default: nothing to forward)."""

    async def _close_transport(self, reason: str) -> None:
        """Close the underlying transport (socket, stream, device)."""

    async def aclose(self, reason: str = "") -> None:
        """End the connection: close the transport, stop every pump, set ``closed``."""
        if self._closing:
            await self.closed.wait()
            return
        self._closing = True
        self.close_reason = reason
        try:
            await self._close_transport(reason)
        except Exception:
            logger.warning("closing %s %s failed", self.transport, self.room_id, exc_info=True)
        finally:
            self._unsubscribe_all()
            await self._tasks.aclose()
            if self.participant_joined.is_set():
                self.participant_left.set()
            self.closed.set()
            self.emit("close", {"reason": reason})
            for callback in self._session_end_callbacks:
                try:
                    result = callback(reason)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    logger.exception("session end callback failed")

    async def refuse(self, reason: str, busy: Any = None) -> None:
        """Turn this connection away before any job runs (the server is at capacity).

        ``busy`` is the server's ``admission.BusyMessage``, for transports that can speak it.
        """
        await self.aclose(reason)

    @property
    def is_closing(self) -> bool:
        return self._closing

    # ---- participants ------------------------------------------------------------------------

    async def wait_for_participant(self, timeout: float | None = None) -> str | None:
        """The participant's id once one joined; None on timeout or if the connection ended."""
        joined = asyncio.ensure_future(self.participant_joined.wait())
        ended = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({joined, ended}, timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            for waiter in (joined, ended):
                waiter.cancel()
        return self.participant_id if self.participant_joined.is_set() else None

    def _mark_joined(self, participant_id: str | None = None) -> None:
        self.participant_id = participant_id or self.participant_id or f"user_{uuid.uuid4().hex[:8]}"
        self.participant_left.clear()
        if not self.participant_joined.is_set():
            self.participant_joined.set()
            self.emit("participant_joined", {"participant_id": self.participant_id})

    def _mark_left(self) -> None:
        if not self.participant_left.is_set():
            self.participant_left.set()
            self.emit("participant_left", {})

    def setup_session_end_callback(self, callback: Callable[[str], Any]) -> None:
        """Call ``callback(reason)`` (sync or async) when the connection ends."""
        self._session_end_callbacks.append(callback)

    # ---- PubSub (the reference's room API, over the client connection) ------------------------

    async def publish_to_pubsub(self, config: PubSubPublishConfig) -> None:
        """Send ``config.message`` on ``config.topic`` to the client."""
        message = pubsub_message(config.topic, config.message, config.payload,
                                 sender_id="agent", sender_name="agent")
        self._send_pubsub(message)

    async def subscribe_to_pubsub(self, config: PubSubSubscribeConfig) -> None:
        """Call ``config.cb(message)`` for the client's messages on ``config.topic``."""
        self._pubsub.subscribe(config.topic, config.cb)

    async def unsubscribe_from_pubsub(self, config: PubSubSubscribeConfig) -> None:
        self._pubsub.unsubscribe(config.topic, config.cb)

    def _send_pubsub(self, message: dict[str, Any]) -> None:
        """Deliver a pubsub message to the client (transports with a data path override it)."""
        raise RuntimeError(
            f"the {self.transport} transport has no data channel for PubSub: use the web page "
            "(WebRTC data channel) or the /ws WebSocket"
        )

    def dispatch_pubsub(self, topic: str, text: str, payload: dict[str, Any]) -> None:
        """A pubsub message from the client: to the topic's subscribers (a ``DTMF_EVENT``
        with a ``number`` is also a keypad digit)."""
        message = pubsub_message(topic, text, payload, sender_id=self.participant_id or "user",
                                 sender_name=str(self.metadata.get("name", "")))
        if topic == DTMF_TOPIC and "number" in payload:
            self.dispatch_dtmf(str(payload["number"]))
        for callback in self._pubsub.callbacks(topic):
            self._spawn(deliver(callback, message), name=f"vocalis.pubsub.{topic}")

    # ---- helpers for transports --------------------------------------------------------------

    def dispatch_dtmf(self, digit: str) -> None:
        """A keypad digit from the caller: a ``dtmf`` event here and on the session."""
        self.emit("dtmf", {"digit": digit})
        if self.session is not None:
            self.session.link.publish(DtmfReceived(digit))

    def _spawn(self, coro: Any, name: str | None = None) -> asyncio.Task[Any] | None:
        if self.closed.is_set():
            coro.close()
            return None
        return self._tasks.spawn(coro, name=name or f"vocalis.{self.transport}.{self.room_id}")

    def _subscribe(self, event: str, handler: Callable[..., Any]) -> None:
        self.session.on(event, handler)
        self._session_handlers.append((event, handler))

    def _unsubscribe_all(self) -> None:
        if self.session is not None:
            for event, handler in self._session_handlers:
                self.session.off(event, handler)
        self._session_handlers.clear()

    @staticmethod
    def output_track_of(session: Any) -> Any:
        """The track the session's agent audio comes out of."""
        track = getattr(session, "output_track", None)
        return track if track is not None else session.pipeline.audio_track

    async def _pump_output(self, session: Any, sink: FrameSink, *, paced: bool = True) -> None:
        """Read the session's track frame by frame (paced on the loop clock) into ``sink``
        until the track ends."""
        track = self.output_track_of(session)
        if track is None:
            return
        with contextlib.suppress(TrackEndedError):
            while not self.closed.is_set():
                frame = await track.recv(paced=paced)
                await sink(frame)
