"""Loopback audio for tests and benchmarks: feeds a script's audio into a session in paced
20 ms frames, and pulls the agent's output track the way a transport would."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from ..utils.clock import now
from .script import SCRIPT_SAMPLE_RATE, UserScript

FRAME_SECONDS = 0.02


class LoopbackInput:
    """Plays the user's script into ``session.push_audio`` in real time (on the loop clock)."""

    def __init__(self, session: Any, script: UserScript, *, sample_rate: int = SCRIPT_SAMPLE_RATE):
        self.session = session
        self.script = script
        self.sample_rate = sample_rate
        self.started_at: float | None = None

    async def run(self, until: float) -> None:
        start = self.started_at = now()
        frames = round(until / FRAME_SECONDS)
        for i in range(frames):
            target = start + i * FRAME_SECONDS
            delay = target - now()
            if delay > 0:
                await asyncio.sleep(delay)
            pcm = self.script.audio(i * FRAME_SECONDS, FRAME_SECONDS, self.sample_rate)
            await self.session.push_audio(pcm, self.sample_rate)


@dataclass
class OutputRecord:
    """What came out of the output track: (time, is_speech) per frame."""

    frames: list[tuple[float, bool]] = field(default_factory=list)

    def speech_spans(self, gap: float = 0.1) -> list[tuple[float, float]]:
        """Stretches of agent speech, merging gaps shorter than ``gap`` seconds."""
        spans: list[tuple[float, float]] = []
        for t, speech in self.frames:
            if not speech:
                continue
            if spans and t - spans[-1][1] <= gap:
                spans[-1] = (spans[-1][0], t + FRAME_SECONDS)
            else:
                spans.append((t, t + FRAME_SECONDS))
        return spans

    def speaking_at(self, t: float) -> bool:
        return any(start <= t < end for start, end in self.speech_spans())


class LoopbackOutput:
    """Pulls paced frames from the output track, as a transport would, and records them
    (``record=False`` drops them, like a transport sending them away)."""

    def __init__(self, track: Any, *, record: bool = True) -> None:
        self.track = track
        self.record = OutputRecord()
        self._keep = record

    async def run(self, until: float) -> None:
        end = now() + until
        while now() < end:
            frame = await self.track.recv()
            if self._keep:
                self.record.frames.append((now(), bool(getattr(frame, "is_speech", False))))
