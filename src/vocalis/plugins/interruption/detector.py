"""LocalInterruptionDetector: barge-in vs. backchannel on CPU, no download, no PyTorch.

The local backend scores a window in a few milliseconds: numpy features (``features``) and a
small MLP (``model``), trained in this repository on generated speech (see
``tools/interruption_data``). It returns one probability per 25 ms model frame over the
newest part of the window, so the detector's conservative estimate (the n-th largest) asks
the evidence to hold for ``min_interruption_duration``.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np

from ...interruption import (
    InterruptionBackend,
    InterruptionDetector,
    InterruptionOptions,
    Prediction,
    conservative_probability,
)
from .model import InterruptionModel, load_shared
from .service import MIN_FRAMES_SCORED, Window, score_windows


class LocalInterruptionBackend(InterruptionBackend):
    """Scores windows in-process; ``predict`` runs the model in a worker thread."""

    model = "local interruption"
    provider = "vocalis"

    def __init__(self, model_path: str | Path | None = None) -> None:
        self._model_path = model_path
        self._model: InterruptionModel | None = None
        self._frames = MIN_FRAMES_SCORED

    @property
    def classifier(self) -> InterruptionModel:
        if self._model is None:
            self._model = load_shared(self._model_path)
        return self._model

    def configure(self, options: InterruptionOptions) -> None:
        self._frames = max(MIN_FRAMES_SCORED, options.min_frames)

    def probabilities(self, window: np.ndarray) -> np.ndarray:
        """Interruption probability at each of the last model frames of ``window`` (int16 16 kHz)."""
        return score_windows(self.classifier, [Window(window, self._frames)])[0]

    async def predict(self, window: np.ndarray) -> Prediction:
        started = time.perf_counter()
        probabilities = await asyncio.to_thread(self.probabilities, window)
        return Prediction(probabilities, prediction_duration=time.perf_counter() - started)


class LocalInterruptionDetector(InterruptionDetector):
    """The interruption detector with the local model.

    Defaults differ from the reference's remote detector where the local model needs it:
    ``threshold`` is the operating point chosen on held-out voices (stored with the model),
    and ``audio_prefix_duration`` is 0.3 s, within the 0-0.5 s of pre-onset audio the model
    was trained with. ``probability(audio)`` is the direct call for an engine.
    """

    backend: LocalInterruptionBackend

    def __init__(
        self,
        *,
        threshold: float | None = None,
        min_interruption_duration: float = 0.05,
        max_audio_duration: float = 3.0,
        audio_prefix_duration: float = 0.3,
        detection_interval: float = 0.1,
        inference_timeout: float = 0.7,
        model_path: str | Path | None = None,
    ) -> None:
        backend = LocalInterruptionBackend(model_path)
        if threshold is None:
            threshold = float(backend.classifier.meta.get("threshold", 0.5))
        super().__init__(
            backend,
            threshold=threshold,
            min_interruption_duration=min_interruption_duration,
            max_audio_duration=max_audio_duration,
            audio_prefix_duration=audio_prefix_duration,
            detection_interval=detection_interval,
            inference_timeout=inference_timeout,
        )

    def probability(self, audio: np.ndarray | bytes) -> float:
        """The conservative interruption probability of the overlap audio so far (int16 16 kHz).

        Synchronous and a few milliseconds: pass the caller's audio from shortly before the
        overlap's onset (up to 0.5 s, as the model was trained) to now.
        """
        samples = np.frombuffer(audio, dtype="<i2") if isinstance(audio, bytes | bytearray) else audio
        window = np.asarray(samples, dtype=np.int16).reshape(-1)
        window = window[-round(self.options.max_audio_duration * self.sample_rate) :]
        return conservative_probability(self.backend.probabilities(window), self.options.min_frames)

    def is_interruption(self, audio: np.ndarray | bytes) -> bool:
        """Whether ``probability(audio)`` reaches the threshold."""
        return self.probability(audio) >= self.options.threshold
