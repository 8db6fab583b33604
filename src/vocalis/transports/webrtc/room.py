"""One browser call: an aiortc peer connection bridged to one ``AgentSession``.

``WebRTCRoom`` is the ``RoomConnection`` of the WebRTC transport. It owns the peer
connection, the agent's outgoing track, the task reading the browser's microphone and the
data channel of events. The room ends when the browser hangs up, the connection fails, the
session closes, or ``aclose`` is called.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription

from ..base import RoomConnection
from ..text_input import DEFAULT_MAX_TEXT_CHARS
from .audio_in import pump_audio
from .audio_out import AgentAudioTrack
from .events import NOTICE_EVENT, EventChannel
from .ice import ice_configuration
from .video_in import pump_video

logger = logging.getLogger("vocalis.transports.webrtc")

_ENDED_STATES = ("failed", "closed")


class WebRTCRoom(RoomConnection):
    """A browser peer: microphone (and camera or screen, when the page sends them) in, agent
    voice out, JSON events both ways.

    The participant has joined when the peer connection is connected. Session events and
    ``notice`` events go to the page (see ``events``); its typed text goes to the session.
    """

    transport = "webrtc"

    def __init__(
        self,
        *,
        ice_servers: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
    ) -> None:
        super().__init__(metadata=metadata)
        self.metadata.setdefault("room_id", self.room_id)
        self.pc = RTCPeerConnection(ice_configuration(ice_servers or ()))
        self.audio_out = AgentAudioTrack()
        self.events = EventChannel(max_text_chars, on_pubsub=self.dispatch_pubsub)
        self.pc.on("track", self._on_track)
        self.pc.on("datachannel", self.events.bind)
        self.pc.on("connectionstatechange", self._on_connection_state)

    async def accept_offer(self, sdp: str) -> RTCSessionDescription:
        """Apply the browser's offer and return the complete answer (candidates included)."""
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        self.pc.addTrack(self.audio_out)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription

    def send_event(self, message: dict[str, Any]) -> None:
        """Send a JSON message to the page over the data channel (queued until it opens)."""
        self.events.send(message)

    # ---- RoomConnection ------------------------------------------------------------------

    def _send_pubsub(self, message: dict[str, Any]) -> None:
        self.events.send({"type": "pubsub", **message})

    def _on_session_attached(self, session: Any) -> None:
        self.audio_out.attach(lambda: self.output_track_of(session))
        self._subscribe(NOTICE_EVENT, lambda data=None: self.events.forward(NOTICE_EVENT, data))
        self.events.set_session(session)

    def _on_session_event(self, name: str, payload: Any) -> None:
        self.events.forward(name, payload)

    async def _close_transport(self, reason: str) -> None:
        await self.events.aclose()
        self.audio_out.stop()
        with contextlib.suppress(Exception):
            await self.pc.close()

    # ---- peer events ---------------------------------------------------------------------

    def _on_track(self, track: Any) -> None:
        if track.kind == "audio":
            self._spawn(
                pump_audio(track, self._push_audio, is_ready=lambda: self.session is not None),
                name=f"vocalis.webrtc.audio_in.{self.room_id}",
            )
        elif track.kind == "video":
            self._spawn(pump_video(track, self._push_video),
                        name=f"vocalis.webrtc.video_in.{self.room_id}")

    def _push_video(self, frame: Any) -> None:
        session = self.session
        if session is not None:
            session.push_video(frame)

    async def _push_audio(self, pcm: bytes, sample_rate: int) -> None:
        session = self.session
        if session is not None:
            await session.push_audio(pcm, sample_rate)

    def _on_connection_state(self) -> None:
        state = self.pc.connectionState
        logger.debug("%s: connection %s", self.room_id, state)
        if state == "connected":
            self._mark_joined()
        elif state in _ENDED_STATES and not self.is_closing:
            self._mark_left()
            self._spawn(self.aclose(f"connection {state}"), name="vocalis.webrtc.close")
