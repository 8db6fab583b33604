"""One caller's audio and speech markers in, interruption verdicts out.

The stream keeps the last ``max_audio_duration`` of the caller's audio (16 kHz, resampled by
its own ``StreamResampler`` per input rate), and while user speech overlaps the agent it
scores the window every ``detection_interval``. The first window whose conservative
probability reaches the threshold is an interruption; an overlap that ends without one is a
backchannel. Frames and markers are handled in order by one owned task; inference never
runs in ``push_frame``, and a backlog beyond ``max_queued_frames`` drops the oldest audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import numpy as np

from ..audio import AudioFrame, StreamResampler
from ..utils.clock import now
from .backend import SAMPLE_RATE, Prediction, PredictionSession, conservative_probability
from .events import OverlappingSpeechEvent, PredictionRecord
from .ring import AudioRing
from .sentinels import (
    AgentSpeechEnded,
    AgentSpeechStarted,
    Flush,
    OverlapSpeechEnded,
    OverlapSpeechStarted,
    Sentinel,
)

if TYPE_CHECKING:
    from .detector import InterruptionDetector

AudioInput = AudioFrame | bytes | bytearray | memoryview | np.ndarray
_SENTINELS = (AgentSpeechStarted, AgentSpeechEnded, OverlapSpeechStarted, OverlapSpeechEnded, Flush)
_END = object()
MAX_PENDING_EVENTS = 32


class InterruptionStream:
    """Push frames and sentinels; read verdicts with ``async for`` or the detector's events.

    ``sample_rate`` is the rate of raw PCM (bytes or arrays) pushed without a frame around it;
    ``AudioFrame``s carry their own. Create it with ``InterruptionDetector.stream()``; ``session``
    is the backend session it scores with (default: ``detector.backend.open_session()``).
    """

    def __init__(
        self,
        detector: InterruptionDetector,
        *,
        sample_rate: int = SAMPLE_RATE,
        max_queued_frames: int = 500,
        session: PredictionSession | None = None,
    ) -> None:
        self._detector = detector
        self.sample_rate = sample_rate
        self._max_queued = max_queued_frames
        self._session = session if session is not None else detector.backend.open_session()
        self._ring = AudioRing(round(detector.options.max_audio_duration * SAMPLE_RATE))
        self._resamplers: dict[int, StreamResampler] = {}
        self._input: deque[object] = deque()
        self._wake = asyncio.Event()
        self._events: deque[OverlappingSpeechEvent | object] = deque(maxlen=MAX_PENDING_EVENTS)
        self._event_ready = asyncio.Event()
        self.dropped_frames = 0
        """Audio frames dropped because the stream fell more than ``max_queued_frames`` behind."""
        self._agent_speaking = False
        self._reset_overlap()
        self._closed = False
        self._finished = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="vocalis.interruption")

    # ---- input -------------------------------------------------------------------------------

    def push_frame(self, frame: AudioInput | Sentinel) -> None:
        """Queue caller audio or a sentinel; never blocks, never runs the model."""
        if self._closed:
            raise RuntimeError("push_frame on a closed interruption stream")
        if not isinstance(frame, _SENTINELS) and self._audio_queued() >= self._max_queued:
            self._drop_oldest_audio()
        self._input.append(frame)
        self._wake.set()

    def flush(self) -> None:
        """Score the current overlap window now."""
        self.push_frame(Flush())

    def end_input(self) -> None:
        """No more input: finish what is queued, then end the event iteration."""
        if not self._closed:
            self._closed = True
            self._input.append(_END)
            self._wake.set()

    async def aclose(self) -> None:
        """Stop now: cancel the task and close the backend session."""
        self._closed = True
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._finish()  # the task may have been cancelled before it ever ran
        self._detector._forget(self)

    def __aiter__(self) -> AsyncIterator[OverlappingSpeechEvent]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[OverlappingSpeechEvent]:
        while True:
            while not self._events:
                self._event_ready.clear()
                await self._event_ready.wait()
            event = self._events.popleft()
            if event is _END:
                return
            assert isinstance(event, OverlappingSpeechEvent)
            yield event

    def _audio_queued(self) -> int:
        return sum(1 for item in self._input if not isinstance(item, _SENTINELS))

    def _drop_oldest_audio(self) -> None:
        for i, item in enumerate(self._input):
            if not isinstance(item, _SENTINELS) and item is not _END:
                del self._input[i]
                self.dropped_frames += 1
                return

    # ---- the task ----------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while True:
                if not self._input:
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                item = self._input.popleft()
                if item is _END:
                    if self._score_due:
                        await self._score()
                    return
                if isinstance(item, _SENTINELS):
                    if self._score_due:
                        await self._score()
                    await self._on_sentinel(item)
                    if self._score_due:  # an overlap announced with enough audio already heard
                        await self._score()
                else:
                    self._on_audio(item)  # type: ignore[arg-type]
                # Caught up: score the newest window (a backlog is scored once, not per frame).
                if self._score_due and not self._input:
                    await self._score()
        finally:
            await self._finish()

    async def _finish(self) -> None:
        """End the event iteration and close the backend session, once."""
        if self._finished:
            return
        self._finished = True
        self._events.append(_END)
        self._event_ready.set()
        with contextlib.suppress(Exception):
            await self._session.aclose()

    def _reset_overlap(self) -> None:
        self._overlapping = False
        self._decided = False
        self._started_at: float | None = None
        self._since_score = 0
        self._num_requests = 0
        self._last: PredictionRecord | None = None
        self._peak: float | None = None

    @property
    def _score_due(self) -> bool:
        interval = round(self._detector.options.detection_interval * SAMPLE_RATE)
        return self._overlapping and not self._decided and self._since_score >= interval

    def _on_audio(self, frame: AudioInput) -> None:
        samples = self._to_16k(frame)
        self._ring.append(samples)
        if self._overlapping and not self._decided:
            self._since_score += len(samples)

    def _to_16k(self, frame: AudioInput) -> np.ndarray:
        if isinstance(frame, AudioFrame):
            rate, pcm = frame.sample_rate, frame.to_ndarray()
            if pcm.ndim == 2:
                pcm = pcm.mean(axis=1).astype(np.int16)
        elif isinstance(frame, np.ndarray):
            rate, pcm = self.sample_rate, frame.astype(np.int16, copy=False).reshape(-1)
        else:
            rate = self.sample_rate
            pcm = np.frombuffer(bytes(frame)[: len(frame) // 2 * 2], dtype="<i2")
        if rate == SAMPLE_RATE:
            return pcm
        resampler = self._resamplers.get(rate)
        if resampler is None:
            resampler = self._resamplers[rate] = StreamResampler(rate, SAMPLE_RATE)
        return np.frombuffer(resampler.push(pcm.astype("<i2").tobytes()), dtype="<i2")

    async def _on_sentinel(self, marker: object) -> None:
        options = self._detector.options
        if isinstance(marker, AgentSpeechStarted | AgentSpeechEnded):
            self._ring.clear()
            self._reset_overlap()
            self._agent_speaking = isinstance(marker, AgentSpeechStarted)
        elif isinstance(marker, OverlapSpeechStarted):
            if not self._agent_speaking:
                return
            self._reset_overlap()
            self._overlapping = True
            self._started_at = (
                marker.started_at if marker.started_at is not None else now() - marker.speech_duration
            )
            heard = round(marker.speech_duration * SAMPLE_RATE)
            # Every overlap gets its own window (the reference trims only on the first one of an
            # agent turn, so a second overlap would be scored with the first one's audio).
            self._ring.keep_last(heard + round(options.audio_prefix_duration * SAMPLE_RATE))
            self._since_score = min(heard, len(self._ring))
        elif isinstance(marker, OverlapSpeechEnded):
            if self._overlapping and not self._decided:
                ended = marker.ended_at if marker.ended_at is not None else now()
                self._publish(OverlappingSpeechEvent.from_cache_entry(
                    self._last, False, self._started_at, ended
                ))
            self._reset_overlap()
        elif isinstance(marker, Flush) and self._overlapping and not self._decided:
            await self._score()

    async def _score(self) -> None:
        options = self._detector.options
        window = self._ring.window()
        self._since_score = 0
        self._num_requests += 1
        created_at, started = now(), time.perf_counter()
        timeout = None if self._detector.backend.handles_timeout else options.inference_timeout
        try:
            async with asyncio.timeout(timeout):
                prediction: Prediction = await self._session.predict(window)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if isinstance(exc, TimeoutError) and timeout is not None:
                exc = TimeoutError(f"no prediction within {options.inference_timeout} s")
            self._detector._report_error(exc, recoverable=self._session.on_failure(exc))
            return
        elapsed = time.perf_counter() - started
        probabilities = np.asarray(prediction.probabilities, dtype=np.float32).reshape(-1)
        probability = conservative_probability(probabilities, options.min_frames)
        self._peak = probability if self._peak is None else max(self._peak, probability)
        self._last = PredictionRecord(
            created_at=created_at,
            total_duration=elapsed,
            prediction_duration=(
                prediction.prediction_duration if prediction.prediction_duration is not None else elapsed
            ),
            probabilities=probabilities,
            probability=probability,
            speech_input=window,
            num_requests=self._num_requests,
        )
        verdict = prediction.is_interruption
        if verdict is None:
            verdict = probability >= options.threshold
        if verdict:
            self._decided = True
            self._publish(OverlappingSpeechEvent.from_cache_entry(self._last, True, self._started_at, now()))

    def _publish(self, event: OverlappingSpeechEvent) -> None:
        event.peak_probability = self._peak
        self._events.append(event)
        self._event_ready.set()
        self._detector._report(event)
