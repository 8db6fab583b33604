"""``RemoteSession``: an ``AgentSession`` running in a worker, as the front's transport sees it.

The transport attaches it like a local session and uses the same surface: ``push_audio``,
``send_text``, ``interrupt``, ``output_track`` (``RemoteTrack``), events by name (``on`` /
``off``), ``agent_state``, DTMF through ``link.publish``. Everything goes to the worker over
the call's link; what comes back is delivered by the front's call bridge.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Any

from ...audio import AudioFrame, TrackEndedError
from ...audio.frames import frame_samples
from ...pipeline.events import DtmfReceived
from ...utils.clock import now
from ...utils.events import EventEmitter
from .codec import AudioOut
from .stats import HOP_OUT
from .stream import LinkClosed, LinkStream

MAX_BUFFERED_FRAMES = 100
"""Agent audio frames (2 s) the front holds for a transport that reads slowly."""


class RemoteTrack:
    """The agent's audio as it arrives from the worker, already paced there.

    ``recv`` returns the next frame as soon as it is there (the worker's output track paced
    it); beyond ``MAX_BUFFERED_FRAMES`` the oldest are dropped and counted.
    """

    kind = "audio"

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.samples = frame_samples(sample_rate)
        self.dropped_frames = 0
        self._frames: deque[AudioFrame] = deque()
        self._ready = asyncio.Event()
        self._ended = False
        self._pts = 0

    @property
    def readyState(self) -> str:
        return "ended" if self._ended else "live"

    def put(self, audio: AudioOut) -> None:
        frame = AudioFrame(pcm=audio.pcm, sample_rate=audio.rate, samples=audio.samples,
                           pts=self._pts, is_silence=audio.silence, is_speech=audio.speech)
        self._pts += audio.samples
        if len(self._frames) >= MAX_BUFFERED_FRAMES:
            self._frames.popleft()
            self.dropped_frames += 1
        self._frames.append(frame)
        self._ready.set()

    def clear(self) -> int:
        """Forget buffered frames (after an interruption); returns how many."""
        count = len(self._frames)
        self._frames.clear()
        return count

    def stop(self) -> None:
        self._ended = True
        self._ready.set()

    async def recv(self, paced: bool = True) -> AudioFrame:
        """The next frame from the worker; ``TrackEndedError`` once the call is over."""
        while not self._frames:
            if self._ended:
                raise TrackEndedError("the remote session ended")
            self._ready.clear()
            await self._ready.wait()
        return self._frames.popleft()


class RemoteSession(EventEmitter[str]):
    """See the module docstring. ``offset`` is the front clock minus the worker clock."""

    def __init__(self, link: LinkStream, *, sample_rate: int = 24000,
                 agent_state: str | None = None, offset: float = 0.0) -> None:
        super().__init__()
        self._link = link
        self.offset = offset
        self.output_track = RemoteTrack(sample_rate)
        self.dtmf_handler = None
        self.agent_state = agent_state
        self.user_state: str | None = None
        self.dropped_audio = 0

    @property
    def link(self) -> RemoteSession:
        """What ``RoomConnection.dispatch_dtmf`` publishes on (``publish``)."""
        return self

    # ---- transport → worker ------------------------------------------------------------------

    async def push_audio(self, pcm: bytes, sample_rate: int, *,
                         arrived_at: float | None = None) -> None:
        try:
            sent = self._link.send_audio_in(bytes(pcm), sample_rate,
                                            arrived_at if arrived_at is not None else now())
        except LinkClosed:
            return
        if not sent:
            self.dropped_audio += 1

    async def send_text(self, text: str) -> None:
        self._control({"type": "text", "text": text})

    def interrupt(self, *, force: bool = False) -> asyncio.Future[bool]:
        self._control({"type": "interrupt", "force": force})
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        done.set_result(True)
        return done

    def publish(self, event: Any) -> None:
        """Session events published by the transport (a keypad digit) go to the worker."""
        if isinstance(event, DtmfReceived):
            self._control({"type": "dtmf", "digit": event.digit})

    def _control(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(LinkClosed):
            self._link.send_control(message)

    # ---- worker → transport ------------------------------------------------------------------

    def deliver_audio(self, audio: AudioOut) -> None:
        HOP_OUT.add(now() - (audio.sent_at + self.offset))
        self.output_track.put(audio)

    def deliver_event(self, name: str, payload: Any) -> None:
        if name == "agent_state_changed" and isinstance(payload, dict):
            self.agent_state = payload.get("state")
        elif name == "user_state_changed" and isinstance(payload, dict):
            self.user_state = payload.get("state")
        elif name == "interrupted":
            self.output_track.clear()
        self.emit(name, payload)

    def end(self) -> None:
        """The worker's side of the call is over: the track ends, ``close`` is emitted."""
        self.output_track.stop()
        self.emit("close", {})
