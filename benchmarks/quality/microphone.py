"""The caller's microphone: background noise plus the clips the caller is told to say.

A transport client pulls 20 ms frames from it on the clock (``next_frame``); it keeps every
sample it handed out and the wall time each frame left, so a clip's voiced samples map to the
moment they were sent, and the whole stream can be replayed through the codec offline.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from .record import Utterance

FRAME_SECONDS = 0.02


@dataclass(frozen=True, eq=False)
class Clip:
    """One thing the caller says: audio at the microphone's rate and what it is."""

    kind: str  # turn | pause | trigger | backchannel | interruption
    text: str
    voice: str
    audio: np.ndarray  # float32
    voiced: tuple[float, float]  # seconds from the clip's start: first and past last voiced


@dataclass
class _Playing:
    clip: Clip
    future: asyncio.Future[Utterance] | None
    offset: int = 0
    utterance: Utterance | None = None


class Microphone:
    """A continuous stream at ``rate``: ``noise`` (looped, or silence) with clips mixed in."""

    def __init__(self, rate: int, noise: np.ndarray | None = None) -> None:
        self.rate = rate
        self.frame_samples = round(rate * FRAME_SECONDS)
        self._noise = noise
        self._position = 0
        self._frames: list[np.ndarray] = []
        self.frame_walls: list[float] = []
        self._pending: deque[_Playing] = deque()
        self.utterances: list[Utterance] = []

    @property
    def busy(self) -> bool:
        """Whether a clip is playing or waiting to."""
        return bool(self._pending)

    def say(self, clip: Clip) -> asyncio.Future[Utterance]:
        """Start ``clip`` at the next frame (after any clip still playing); the future resolves
        with its ``Utterance`` once its last sample has been sent."""
        future: asyncio.Future[Utterance] = asyncio.get_running_loop().create_future()
        self._pending.append(_Playing(clip, future))
        return future

    def queue(self, clip: Clip) -> None:
        """``say`` without waiting (offline rendering)."""
        self._pending.append(_Playing(clip, None))

    def next_frame(self, wall: float | None = None) -> bytes:
        """The next 20 ms as s16 PCM; ``wall`` (default now) is when it leaves."""
        n = self.frame_samples
        self.frame_walls.append(time.time() if wall is None else wall)
        frame = self._noise_frame(n)
        filled = 0
        finished: list[_Playing] = []
        while filled < n and self._pending:
            playing = self._pending[0]
            clip = playing.clip
            if playing.offset == 0:
                playing.utterance = self._utterance(clip, self._position + filled)
                self.utterances.append(playing.utterance)
            take = min(n - filled, len(clip.audio) - playing.offset)
            frame[filled:filled + take] += clip.audio[playing.offset:playing.offset + take]
            filled += take
            playing.offset += take
            if playing.offset >= len(clip.audio):
                finished.append(self._pending.popleft())
        pcm = (np.clip(frame, -1.0, 1.0) * 32767).astype("<i2")
        self._frames.append(pcm)
        self._position += n
        for playing in finished:
            assert playing.utterance is not None
            self._settle(playing.utterance, playing.clip)
            if playing.future is not None and not playing.future.done():
                playing.future.set_result(playing.utterance)
        return pcm.tobytes()

    def _noise_frame(self, n: int) -> np.ndarray:
        if self._noise is None:
            return np.zeros(n, dtype=np.float32)
        idx = (self._position + np.arange(n)) % len(self._noise)
        return self._noise[idx].astype(np.float32)

    def _utterance(self, clip: Clip, start: int) -> Utterance:
        onset = self.wall_of_sample(start)
        return Utterance(
            kind=clip.kind, text=clip.text, voice=clip.voice, start_sample=start,
            samples=len(clip.audio), onset=onset, voiced_start=onset + clip.voiced[0],
            voiced_end=onset + clip.voiced[1],
        )

    def _settle(self, utterance: Utterance, clip: Clip) -> None:
        """Every sample of ``clip`` is out: the exact wall times of its voiced part."""
        first = utterance.start_sample + round(clip.voiced[0] * self.rate)
        last = utterance.start_sample + max(round(clip.voiced[1] * self.rate) - 1, 0)
        utterance.voiced_start = self.wall_of_sample(first)
        utterance.voiced_end = self.wall_of_sample(last)

    def sent(self) -> np.ndarray:
        """Every sample sent so far (s16)."""
        return np.concatenate(self._frames) if self._frames else np.zeros(0, dtype="<i2")

    def wall_of_sample(self, index: int) -> float:
        """When sample ``index`` left (its frame's wall time plus its place in the frame)."""
        frame, within = divmod(index, self.frame_samples)
        if frame >= len(self.frame_walls):
            extra = frame - len(self.frame_walls) + 1
            frame = len(self.frame_walls) - 1
            within += extra * self.frame_samples
        return self.frame_walls[frame] + within / self.rate
