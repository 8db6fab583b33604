"""``OverlapAudio``: one call's stream into an interruption detector.

Every user frame goes in (the detector keeps a short window of it); the orchestrator says when
the agent speaks and when the user talks over it, and each verdict the detector reaches on an
overlap (an interruption, or at its end, not one) goes to barge-in. The detector's stream runs
inference in its own task, on a bounded queue: pushing never waits.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from ...audio import AudioFrame
from ...interruption import (
    AgentSpeechEnded,
    AgentSpeechStarted,
    InterruptionDetector,
    InterruptionStream,
    OverlappingSpeechEvent,
    OverlapSpeechEnded,
    OverlapSpeechStarted,
)
from ...utils.tasks import TaskGroup
from .stage import InputChunk

logger = logging.getLogger("vocalis.pipeline.understanding")

VerdictCallback = Callable[[OverlappingSpeechEvent], Awaitable[None]]


class OverlapAudio:
    """Feeds an ``InterruptionDetector`` and relays its verdicts (see the module docstring)."""

    def __init__(
        self, detector: InterruptionDetector, *, on_verdict: VerdictCallback, tasks: TaskGroup
    ) -> None:
        self.detector = detector
        self._on_verdict = on_verdict
        self._tasks = tasks
        self._stream: InterruptionStream | None = None

    def _ensure_stream(self) -> InterruptionStream:
        """The stream starts with the first audio (the pipeline is built before the loop)."""
        if self._stream is None:
            self._stream = self.detector.stream()
            self._tasks.spawn(self._relay(self._stream), name="vocalis.overlap_audio")
        return self._stream

    def push(self, chunk: InputChunk) -> None:
        frame = AudioFrame(pcm=chunk.pcm, sample_rate=chunk.sample_rate,
                           samples=len(chunk.pcm) // 2)
        self._ensure_stream().push_frame(frame)

    def agent_speaking(self, speaking: bool) -> None:
        self._ensure_stream().push_frame(AgentSpeechStarted() if speaking else AgentSpeechEnded())

    def overlap_started(self, *, speech_duration: float, started_at: float) -> None:
        self._ensure_stream().push_frame(
            OverlapSpeechStarted(speech_duration=speech_duration, started_at=started_at)
        )

    def overlap_ended(self, ended_at: float) -> None:
        self._ensure_stream().push_frame(OverlapSpeechEnded(ended_at=ended_at))

    async def _relay(self, stream: InterruptionStream) -> None:
        async for event in stream:
            await self._on_verdict(event)

    async def aclose(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.aclose()
