"""Session → browser: an aiortc ``MediaStreamTrack`` that plays the agent's output track.

aiortc pulls ``recv()`` in a loop and sends whatever it returns at once, so the track paces
itself: frames come from ``OutputTrack.recv()`` (paced on the loop clock) once a session is
attached, and from a 20 ms silence timer before that. Timestamps are the track's own and never
jump back, whichever source a frame came from, so the browser's jitter buffer stays calm.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
from typing import Any

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from ...audio.frames import frame_samples
from ...audio.output_track import TrackEndedError
from ...audio.resampler import StreamResampler

logger = logging.getLogger("vocalis.transports.webrtc")

DEFAULT_SAMPLE_RATE = 24000
"""Rate of the frames handed to aiortc: the ``OutputTrack`` default, so no conversion here."""


class AgentAudioTrack(MediaStreamTrack):
    """The agent's voice as a WebRTC audio track (s16 mono ``av.AudioFrame``s of 20 ms).

    ``attach(source)`` takes anything with ``async recv() -> vocalis.audio.AudioFrame`` (the
    session's ``OutputTrack``) or a callable returning one (resolved at every frame, since a
    session creates its output track in ``start()``). Until then, and after the source ends,
    the track sends paced silence.
    """

    kind = "audio"

    def __init__(self, sample_rate: int = DEFAULT_SAMPLE_RATE) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.samples = frame_samples(sample_rate)
        self._time_base = fractions.Fraction(1, sample_rate)
        self._source: Any = None
        self._pts = 0
        self._next_silence_at: float | None = None
        self._resampler: StreamResampler | None = None
        self._resampler_rate = 0
        self._pending = b""
        self.frames_sent = 0
        self.speech_frames_sent = 0

    def attach(self, source: Any) -> None:
        """Play ``source`` (an output track, or a callable returning one) from the next frame."""
        self._source = source

    def detach(self) -> None:
        self._source = None

    def _current_source(self) -> Any:
        source = self._source
        if callable(source) and not hasattr(source, "recv"):
            source = source()
        return source

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        source = self._current_source()
        pcm: bytes | None = None
        is_speech = False
        if source is not None:
            try:
                frame = await source.recv()
            except TrackEndedError:
                self._source = None
            else:
                self._next_silence_at = None
                pcm = self._convert(frame.pcm, frame.sample_rate)
                is_speech = bool(frame.is_speech)
        if pcm is None:
            await self._wait_silence_slot()
            pcm = bytes(self.samples * 2)
        return self._to_av(pcm, is_speech)

    def _convert(self, pcm: bytes, rate: int) -> bytes:
        """Resample a source running at another rate; exact 20 ms frames out."""
        if rate == self.sample_rate:
            return pcm
        if self._resampler is None or self._resampler_rate != rate:
            self._resampler = StreamResampler(rate, self.sample_rate)
            self._resampler_rate = rate
        self._pending += self._resampler.push(pcm)
        size = self.samples * 2
        out, self._pending = self._pending[:size], self._pending[size:]
        return out.ljust(size, b"\x00")

    async def _wait_silence_slot(self) -> None:
        loop = asyncio.get_running_loop()
        t = loop.time()
        if self._next_silence_at is None or self._next_silence_at < t - 0.1:
            self._next_silence_at = t
        delay = self._next_silence_at - t
        if delay > 0:
            await asyncio.sleep(delay)
        self._next_silence_at += self.samples / self.sample_rate

    def _to_av(self, pcm: bytes, is_speech: bool) -> av.AudioFrame:
        samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = self.sample_rate
        frame.pts = self._pts
        frame.time_base = self._time_base
        self._pts += samples.shape[1]
        self.frames_sent += 1
        if is_speech:
            self.speech_frames_sent += 1
        return frame
