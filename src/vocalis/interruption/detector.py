"""InterruptionDetector: tells a real interruption from a backchannel in overlapping speech.

It owns the options, the scoring backend and the streams: ``stream()`` gives one caller's
stream (see ``stream``), ``predict_probability`` scores audio directly. Events, as in the
reference: ``overlapping_speech`` (``OverlappingSpeechEvent``), ``error``
(``InterruptionDetectionError``) and ``metrics_collected`` (``InterruptionMetrics``).
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from typing import Literal

import numpy as np

from ..utils.events import EventEmitter
from .backend import (
    SAMPLE_RATE,
    InterruptionBackend,
    InterruptionOptions,
    PredictionSession,
    conservative_probability,
)
from .events import InterruptionDetectionError, InterruptionMetrics, OverlappingSpeechEvent
from .stream import InterruptionStream

DetectorEvent = Literal["overlapping_speech", "error", "metrics_collected"]


def _option(name: str) -> property:
    """One of ``InterruptionOptions``'s fields as a detector attribute; setting it validates the
    new options and hands them to the backend (open streams keep their window's size)."""

    def get(self: InterruptionDetector) -> float:
        return float(getattr(self.options, name))

    def set_(self: InterruptionDetector, value: float) -> None:
        self._set_options(**{name: value})

    return property(get, set_, doc=f"The ``{name}`` option.")


class InterruptionDetector(EventEmitter[DetectorEvent]):
    """Classifies user speech over the agent with a pluggable ``InterruptionBackend``.

    Parameters and defaults follow the reference's adaptive detector: ``threshold`` on the
    conservative probability, ``min_interruption_duration`` (how many 25 ms frames must reach
    it), ``max_audio_duration`` of the window (at most 3 s), ``audio_prefix_duration`` kept
    before the overlap's onset, ``detection_interval`` between scores during an overlap, and
    ``inference_timeout`` per request. Audio is scored at 16 kHz mono.
    """

    def __init__(
        self,
        backend: InterruptionBackend,
        *,
        threshold: float = 0.5,
        min_interruption_duration: float = 0.05,
        max_audio_duration: float = 3.0,
        audio_prefix_duration: float = 1.0,
        detection_interval: float = 0.1,
        inference_timeout: float = 0.7,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.options = InterruptionOptions(
            threshold=threshold,
            min_interruption_duration=min_interruption_duration,
            max_audio_duration=max_audio_duration,
            audio_prefix_duration=audio_prefix_duration,
            detection_interval=detection_interval,
            inference_timeout=inference_timeout,
        )
        backend.configure(self.options)
        self._streams: weakref.WeakSet[InterruptionStream] = weakref.WeakSet()

    @property
    def model(self) -> str:
        return self.backend.model

    @property
    def provider(self) -> str:
        return self.backend.provider

    @property
    def label(self) -> str:
        return f"{type(self).__module__}.{type(self).__name__}"

    @property
    def sample_rate(self) -> int:
        """The rate the model hears; streams resample other rates to it."""
        return SAMPLE_RATE

    def stream(self, *, sample_rate: int = SAMPLE_RATE, max_queued_frames: int = 500) -> InterruptionStream:
        """A new stream for one caller (needs a running event loop)."""
        return self._open_stream(self.backend.open_session(), sample_rate, max_queued_frames)

    def _open_stream(
        self, session: PredictionSession, sample_rate: int, max_queued_frames: int
    ) -> InterruptionStream:
        stream = InterruptionStream(
            self, sample_rate=sample_rate, max_queued_frames=max_queued_frames, session=session
        )
        self._streams.add(stream)
        return stream

    def update_options(
        self, *, threshold: float | None = None, min_interruption_duration: float | None = None
    ) -> None:
        """Change the threshold or minimum duration; open streams use them from the next window."""
        changes: dict[str, float] = {}
        if threshold is not None:
            changes["threshold"] = threshold
        if min_interruption_duration is not None:
            changes["min_interruption_duration"] = min_interruption_duration
        self._set_options(**changes)

    def _set_options(self, **changes: float) -> None:
        self.options = replace(self.options, **changes)
        self.backend.configure(self.options)

    # ---- the options by their reference names (settable, validated) --------------------------

    threshold = _option("threshold")
    min_interruption_duration = _option("min_interruption_duration")
    max_audio_duration = _option("max_audio_duration")
    audio_prefix_duration = _option("audio_prefix_duration")
    detection_interval = _option("detection_interval")
    inference_timeout = _option("inference_timeout")

    @property
    def min_frames(self) -> int:
        """How many 25 ms frames must reach the threshold (from ``min_interruption_duration``)."""
        return self.options.min_frames

    async def predict_probability(self, audio: np.ndarray | bytes) -> float:
        """The conservative interruption probability of ``audio``: int16 16 kHz overlap audio.

        Scores the last ``max_audio_duration`` of it in one request, outside any stream.
        """
        samples = np.frombuffer(audio, dtype="<i2") if isinstance(audio, bytes | bytearray) else audio
        window = np.asarray(samples, dtype=np.int16).reshape(-1)[-round(self.options.max_audio_duration * SAMPLE_RATE) :]
        prediction = await self.backend.predict(window)
        return conservative_probability(prediction.probabilities, self.options.min_frames)

    async def prewarm(self) -> None:
        """Load the model ahead of the first overlap."""
        await self.backend.predict(np.zeros(SAMPLE_RATE // 2, dtype=np.int16))

    async def aclose(self) -> None:
        """Close every open stream, then the backend."""
        for stream in list(self._streams):
            await stream.aclose()
        await self.backend.aclose()

    # ---- called by streams -------------------------------------------------------------------

    def _report(self, event: OverlappingSpeechEvent) -> None:
        self.emit("overlapping_speech", event)
        self.emit("metrics_collected", InterruptionMetrics.for_event(event, self.model, self.provider))

    def _report_error(self, error: Exception, *, recoverable: bool) -> None:
        self.emit(
            "error", InterruptionDetectionError(label=self.label, error=error, recoverable=recoverable)
        )

    def _forget(self, stream: InterruptionStream) -> None:
        self._streams.discard(stream)
