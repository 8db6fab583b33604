"""``LinkedRoom``: the job's ``RoomConnection`` inside a worker, fed by the front over a link.

The transport (WebSocket, Twilio, WebRTC) stays in the front; this room is its stand-in.
User audio arrives with its arrival stamp (moved to this process's clock) and goes straight
to ``session.push_audio``; the session's paced output track goes back frame by frame (only
audible frames and the first silence after speech, unless the front's transport plays audio
continuously, like WebRTC); session events go back as control messages. Participants joining
and leaving, typed text, interruptions, DTMF and the end of the call come from the front.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from typing import Any

from ...audio import AudioFrame
from ...transports.base import RoomConnection
from ...utils.clock import now
from .codec import AudioIn
from .handshake import DialedCall
from .stats import HOP_IN
from .stream import LinkClosed

logger = logging.getLogger("vocalis.worker.link")

PENDING_INPUT_LIMIT = 1500
"""Input items (about 30 s of 20 ms frames) kept until the session is attached."""

FORWARDED_EVENTS = ("notice", "hangup")
"""Session events forwarded besides the ones every transport may use (``SESSION_EVENTS``)."""


class LinkedRoom(RoomConnection):
    """A call whose transport lives in the front process (see the module docstring)."""

    transport = "link"

    def __init__(self, call: DialedCall, *, metadata: dict[str, Any] | None = None) -> None:
        welcome = call.welcome
        super().__init__(room_id=str(welcome.get("room_id") or "") or None, metadata=metadata)
        self.link = call.link
        self.offset = call.offset
        self.origin_transport = str(welcome.get("transport", ""))
        self.continuous = bool(welcome.get("continuous", False))
        self._pending: deque[Any] = deque(maxlen=PENDING_INPUT_LIMIT)
        self._in_speech = False
        if welcome.get("joined"):
            self._mark_joined(welcome.get("participant_id"))
        self._spawn(self._read_loop(), name=f"vocalis.link.read.{self.room_id}")
        self._spawn(self.link.keepalive(), name=f"vocalis.link.keepalive.{self.room_id}")

    # ---- front → session ---------------------------------------------------------------------

    async def _read_loop(self) -> None:
        try:
            while True:
                frame = await self.link.receive()
                if isinstance(frame, AudioIn):
                    if self.session is None:
                        self._pending.append(frame)
                    else:
                        await self._deliver_pending()
                        await self._deliver_audio(frame)
                elif not await self._on_control(frame):
                    return
        except LinkClosed as exc:
            if not self.is_closing:
                logger.warning("call %s: link to the front lost (%s)", self.room_id, exc)
                self._spawn(self.aclose("link_lost"))

    async def _deliver_audio(self, frame: AudioIn) -> None:
        t = now()
        HOP_IN.add(t - (frame.sent_at - self.offset))
        await self.session.push_audio(frame.pcm, frame.rate, arrived_at=frame.arrived_at - self.offset)

    async def _deliver_pending(self) -> None:
        while self._pending:
            item = self._pending.popleft()
            if isinstance(item, AudioIn):
                await self._deliver_audio(item)
            else:
                await self._on_control(item)

    async def _on_control(self, message: dict[str, Any]) -> bool:
        """Act on one control message; False once the call is over."""
        kind = message.get("type")
        if kind == "close":
            self._spawn(self.aclose(str(message.get("reason") or "client_disconnected")))
            return False
        if kind == "joined":
            self._mark_joined(message.get("participant_id"))
        elif kind == "left":
            self._mark_left()
        elif self.session is None and kind in ("text", "interrupt", "dtmf"):
            self._pending.append(message)
        elif kind == "text":
            self._spawn(self.session.send_text(str(message.get("text", ""))),
                        name=f"vocalis.link.text.{self.room_id}")
        elif kind == "interrupt":
            self.session.interrupt()
        elif kind == "dtmf":
            self.dispatch_dtmf(str(message.get("digit", "")))
        return True

    # ---- session → front ---------------------------------------------------------------------

    def _on_session_attached(self, session: Any) -> None:
        for name in FORWARDED_EVENTS:
            self._subscribe(name, lambda payload=None, _n=name: self._on_session_event(_n, payload))
        track = self.output_track_of(session)
        state = getattr(session, "agent_state", None)
        self._send({"type": "attached", "sample_rate": getattr(track, "sample_rate", 24000),
                    "agent_state": getattr(state, "value", state)})
        self._spawn(self._pump_output(session, self._send_frame),
                    name=f"vocalis.link.output.{self.room_id}")

    async def _send_frame(self, frame: AudioFrame) -> None:
        silent = frame.is_silence and not frame.is_speech
        if silent and not self.continuous:
            if not self._in_speech:
                return
            self._in_speech = False
        else:
            self._in_speech = not silent
        with contextlib.suppress(LinkClosed):
            self.link.send_audio_out(frame.pcm, frame.sample_rate, frame.samples,
                                     speech=frame.is_speech, silence=frame.is_silence)

    def _on_session_event(self, name: str, payload: Any) -> None:
        if name == "interrupted":
            self._in_speech = False
        self._send({"type": "event", "name": name, "payload": _jsonable(payload)})

    def _send(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(LinkClosed):
            self.link.send_control(message)

    async def _close_transport(self, reason: str) -> None:
        self._send({"type": "close", "reason": reason})
        await self.link.aclose()


def _jsonable(payload: Any) -> Any:
    if payload is None or isinstance(payload, str | int | float | bool):
        return payload
    if isinstance(payload, dict):
        return {str(k): _jsonable(v) for k, v in payload.items()}
    if isinstance(payload, list | tuple):
        return [_jsonable(v) for v in payload]
    if isinstance(payload, BaseException):
        return f"{type(payload).__name__}: {payload}"
    return str(payload)
