"""What one benchmark call recorded, on the wall clock (``time.time()``) of this machine.

The client side (what was said and when, the agent audio that came back, interruption signals)
and the server side (the turns the LLM received, read from the echo agent's log) share that
clock, so they can be lined up without guessing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import numpy as np

AUDIBLE_DBFS = -45.0
"""Agent audio louder than this (RMS of a received chunk) counts as speech."""


@dataclass
class Utterance:
    """One clip the caller said: sample range in the sent stream and wall times."""

    kind: str
    text: str
    voice: str
    start_sample: int
    samples: int
    onset: float
    voiced_start: float
    voiced_end: float


class AgentAudio:
    """The agent's audio as the client received it: one (wall, seconds, dBFS) per chunk."""

    def __init__(self) -> None:
        self.chunks: list[tuple[float, float, float]] = []
        self.audio: list[tuple[float, bytes, int]] = []
        self._changed = asyncio.Event()

    def add(self, pcm: bytes, rate: int, wall: float | None = None) -> None:
        """Record a received chunk of s16 mono PCM."""
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
        if samples.size == 0:
            return
        wall = time.time() if wall is None else wall
        db = 10 * np.log10(np.mean(samples**2) + 1e-12)
        self.chunks.append((wall, samples.size / rate, db))
        if db > AUDIBLE_DBFS:
            self.audio.append((wall, bytes(pcm), rate))
        self._changed.set()

    def render(self, t0: float, seconds: float, rate: int = 16000) -> np.ndarray:
        """The audible chunks placed at their arrival times (seconds from ``t0``), s16 at
        ``rate``: the agent's side of the call, for listening to it."""
        from vocalis.audio import resample_pcm

        out = np.zeros(int(seconds * rate), dtype=np.int16)
        for wall, pcm, chunk_rate in self.audio:
            data = np.frombuffer(resample_pcm(pcm, chunk_rate, rate), dtype="<i2")
            at = int((wall - t0) * rate)
            if 0 <= at < len(out):
                n = min(len(data), len(out) - at)
                out[at:at + n] = data[:n]
        return out

    def audible(self) -> list[float]:
        """Wall times of the audible chunks."""
        return [t for t, _, db in self.chunks if db > AUDIBLE_DBFS]

    def first_audible_after(self, t: float, before: float = float("inf")) -> float | None:
        return next((w for w in self.audible() if t <= w < before), None)

    def last_audible(self) -> float | None:
        times = self.audible()
        return times[-1] if times else None

    async def wait_audible(self, after: float, timeout: float) -> float | None:
        """The first audible chunk at or after ``after``, waiting up to ``timeout`` seconds."""
        deadline = time.time() + timeout
        while True:
            found = self.first_audible_after(after)
            if found is not None or time.time() >= deadline:
                return found
            await self._wait(deadline)

    async def wait_quiet(self, quiet_for: float, timeout: float) -> bool:
        """Until no audible chunk came for ``quiet_for`` seconds (False on timeout)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            last = self.last_audible() or 0.0
            if time.time() - last >= quiet_for:
                return True
            await asyncio.sleep(min(0.05, max(0.0, deadline - time.time())))
        return False

    async def _wait(self, deadline: float) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), max(0.0, deadline - time.time()))


@dataclass
class LLMTurn:
    """A user turn the LLM received (from the echo agent's log): when it was committed and,
    when the agent reported it, when the user's speech in it ended (as the VAD placed it)."""

    wall: float
    text: str
    speech_end: float | None = None

    @property
    def spoken_at(self) -> float:
        """The moment that ties the turn to what the caller said."""
        return self.speech_end if self.speech_end is not None else self.wall

    def shifted(self, offset: float) -> LLMTurn:
        end = None if self.speech_end is None else self.speech_end + offset
        return LLMTurn(self.wall + offset, self.text, end)


@dataclass
class CallRecord:
    """Everything one call produced, ready for scoring."""

    path: str
    condition: str  # "clean" or "snr20" ...
    rate: int  # the rate the client sent
    sent: np.ndarray  # s16 at ``rate``: every sample the client sent
    utterances: list[Utterance]
    agent: AgentAudio
    interrupts: list[float] = field(default_factory=list)  # client-side signals (clear, ...)
    llm_turns: list[LLMTurn] = field(default_factory=list)
    server_events: list[tuple[float, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
