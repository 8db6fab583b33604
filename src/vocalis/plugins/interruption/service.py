"""The process-wide interruption scorer: the local model behind one inference scheduler.

Many sessions (the gateway's ``/v1/bargein`` clients) score windows at once. Each session opens
a stream on one ``InferenceScheduler`` (``vocalis.utils.inference_scheduler``, the same kind the
Whisper service uses): windows run on one worker thread, fairly across sessions, each session's
queue bounded, a window that waited past its client's timeout dropped instead of scored, and
windows waiting together scored as one batch. Batching buys little here: the features (FFTs
over the window, about 4 ms) are per window and the MLP they feed (about 0.03 ms) is all that
is shared, so one worker is enough and the cores stay with Whisper.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...utils.inference_scheduler import InferenceScheduler, InferenceStream
from ...utils.model_cache import shared_model
from .features import FRAME, window_features
from .model import InterruptionModel, load_shared

MIN_FRAMES_SCORED = 4
"""Model frames scored per window at least: the 100 ms of a default detection interval."""


@dataclass(frozen=True)
class Window:
    """One window to score: int16 16 kHz samples and how many 25 ms model frames to score."""

    audio: np.ndarray
    frames: int = MIN_FRAMES_SCORED


def score_windows(model: InterruptionModel, windows: list[Window]) -> list[np.ndarray]:
    """Per-frame interruption probabilities of each window (the newest ``frames`` of it), with
    one MLP call for all of them."""
    rows: list[np.ndarray] = []
    for window in windows:
        audio = np.asarray(window.audio, dtype=np.int16).reshape(-1)
        if len(audio) >= FRAME:
            rows.append(window_features(audio, window.frames))
        else:
            rows.append(np.zeros((0, 0), dtype=np.float32))
    scored = [r for r in rows if r.size]
    probabilities = model.probabilities(np.concatenate(scored)) if scored else np.zeros(0)
    results, at = [], 0
    for window, r in zip(windows, rows, strict=True):
        if r.size:
            results.append(probabilities[at : at + len(r)].astype(np.float32))
            at += len(r)
        else:  # shorter than one analysis frame: nothing heard yet
            results.append(np.zeros(window.frames, dtype=np.float32))
    return results


class InterruptionService:
    """The loaded model and the scheduler that scores every session's windows."""

    def __init__(self, model_path: str | Path | None = None, *, max_batch: int = 16,
                 max_pending: int = 8) -> None:
        self.model = load_shared(model_path)
        self.scheduler: InferenceScheduler[Window, np.ndarray] = InferenceScheduler(
            self._run, workers=1, max_batch=max_batch, max_pending=max_pending,
            name="interruption",
        )

    @property
    def threshold(self) -> float:
        """The model's operating point (chosen on held-out voices, stored with the model)."""
        return float(self.model.meta.get("threshold", 0.5))

    def open_stream(self, name: str = "") -> InferenceStream[Window, np.ndarray]:
        """One session's queue; close it when the session ends."""
        return self.scheduler.open_stream(name)

    def _run(self, key: Hashable, windows: list[Window]) -> list[np.ndarray]:
        return score_windows(self.model, windows)


def interruption_service(model_path: str | Path | None = None) -> InterruptionService:
    """The process-wide service for ``model_path`` (the shipped model by default)."""
    key = f"interruption-service:{Path(model_path).resolve() if model_path else 'builtin'}"
    return shared_model(key, lambda: InterruptionService(model_path))
