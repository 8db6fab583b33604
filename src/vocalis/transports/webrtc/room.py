"""One browser call: an aiortc peer connection bridged to one ``AgentSession``.

``WebRTCRoom`` is the ``RoomConnection`` of the WebRTC transport. It owns the peer
connection, the agent's outgoing track, the task reading the browser's microphone and the
data channel of events. The job's session is attached with ``attach_session``; the room ends
when the browser hangs up, the connection fails, the session closes, or ``aclose`` is called.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription

from ...utils.tasks import TaskGroup
from .audio_in import pump_audio
from .audio_out import AgentAudioTrack
from .events import EventChannel
from .ice import ice_configuration

logger = logging.getLogger("vocalis.transports.webrtc")

_ENDED_STATES = ("failed", "closed")


class WebRTCRoom:
    """A browser peer: microphone in, agent voice out, JSON events both ways.

    ``participant_joined`` is set when the peer connection is connected; ``closed`` when the
    room has ended (``close_reason`` says why).
    """

    transport = "webrtc"

    def __init__(
        self,
        *,
        ice_servers: list[dict[str, Any]] | None = None,
        room_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.room_id = room_id or f"webrtc-{uuid.uuid4().hex[:10]}"
        self.metadata: dict[str, Any] = {**(metadata or {}), "room_id": self.room_id}
        self.participant_joined = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_reason = ""
        self.session: Any = None
        self.pc = RTCPeerConnection(ice_configuration(ice_servers or ()))
        self.audio_out = AgentAudioTrack()
        self.events = EventChannel()
        self._tasks = TaskGroup("vocalis.webrtc.room")
        self._inbound_tracks = 0
        self._closing = False
        self.pc.on("track", self._on_track)
        self.pc.on("datachannel", self.events.bind)
        self.pc.on("connectionstatechange", self._on_connection_state)

    # ---- signalling ----------------------------------------------------------------------

    async def accept_offer(self, sdp: str, kind: str = "offer") -> RTCSessionDescription:
        """Apply the browser's offer and return the complete answer (candidates included)."""
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
        self.pc.addTrack(self.audio_out)
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        return self.pc.localDescription

    # ---- RoomConnection ------------------------------------------------------------------

    def attach_session(self, session: Any) -> None:
        """Bridge ``session``: browser audio → ``push_audio``, output track → browser, events."""
        if self.session is session:
            return
        self.session = session
        self.audio_out.attach(lambda: getattr(session, "output_track", None))
        self.events.attach(session)
        session.on("close", self._on_session_close)

    async def wait_for_participant(self, timeout: float | None = None) -> bool:
        """Wait until the browser's connection is up; False on timeout or if the room ended."""
        joined = asyncio.ensure_future(self.participant_joined.wait())
        ended = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({joined, ended}, timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            joined.cancel()
            ended.cancel()
        return self.participant_joined.is_set() and not self.closed.is_set()

    def send_event(self, message: dict[str, Any]) -> None:
        """Send a JSON message to the page over the data channel (queued until it opens)."""
        self.events.send(message)

    async def aclose(self, reason: str = "") -> None:
        """End the call: close the peer connection and stop every task of this room."""
        if self._closing:
            await self.closed.wait()
            return
        self._closing = True
        self.close_reason = self.close_reason or reason or "closed"
        if self.session is not None:
            self.session.off("close", self._on_session_close)
        await self.events.aclose()
        self.audio_out.stop()
        with contextlib.suppress(Exception):
            await self.pc.close()
        await self._tasks.aclose()
        self.closed.set()

    # ---- peer events ---------------------------------------------------------------------

    def _on_track(self, track: Any) -> None:
        if track.kind != "audio":
            return
        self._inbound_tracks += 1
        self._tasks.spawn(
            pump_audio(track, self._push_audio, is_ready=lambda: self.session is not None),
            name="vocalis.webrtc.audio_in",
        )

    async def _push_audio(self, pcm: bytes, sample_rate: int) -> None:
        session = self.session
        if session is not None:
            await session.push_audio(pcm, sample_rate)

    def _on_connection_state(self) -> None:
        state = self.pc.connectionState
        logger.debug("%s: connection %s", self.room_id, state)
        if state == "connected":
            self.participant_joined.set()
        elif state in _ENDED_STATES and not self._closing:
            self.close_reason = f"connection {state}"
            self._tasks.spawn(self.aclose(), name="vocalis.webrtc.close")

    def _on_session_close(self, *_: Any) -> None:
        if not self._closing:
            self.close_reason = "session closed"
            # aclose cancels this room's tasks except the one running it, so this one survives.
            self._tasks.spawn(self.aclose(), name="vocalis.webrtc.close")
