"""``DeepFilterNoiseSuppressor``: DeepFilterNet3 noise suppression as a Vocalis ``Denoise``.

Runs at the model's native 48 kHz (the pipeline resamples), keeps streaming state across frames
of any size, and returns exactly as many samples as it receives. Frames that are a multiple of
10 ms add no delay beyond the model's own 30 ms; other sizes add silence once, up to 10 ms.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np

from ...denoise import Denoise
from .native import MODEL_DELAY_SAMPLES, DeepFilterState


class DeepFilterNoiseSuppressor(Denoise):
    """DeepFilterNet3 through its C runtime (no PyTorch).

    Args:
        atten_lim_db: the most the model may attenuate, in dB; 100 (default) means no limit.
            Lower values (e.g. 12) keep some background for a more natural sound.
        post_filter_beta: DeepFilterNet's post-filter strength; 0 (default) turns it off.
        model_path: a DeepFilterNet model archive instead of the bundled DeepFilterNet3.
    """

    sample_rate = 48000

    def __init__(
        self,
        atten_lim_db: float = 100.0,
        post_filter_beta: float = 0.0,
        model_path: str | Path | None = None,
    ) -> None:
        super().__init__()
        if atten_lim_db <= 0:
            raise ValueError(f"atten_lim_db must be > 0, not {atten_lim_db}")
        if post_filter_beta < 0:
            raise ValueError(f"post_filter_beta must be >= 0, not {post_filter_beta}")
        self.atten_lim_db = atten_lim_db
        self.post_filter_beta = post_filter_beta
        self._model_path = model_path
        self._state: DeepFilterState | None = None
        self._pending = np.zeros(0, dtype=np.float32)
        self._ready = np.zeros(0, dtype=np.float32)
        self._padding = 0
        self._lock = asyncio.Lock()

    @property
    def latency(self) -> float:
        """Seconds by which output lags input: the model's delay plus any framing padding."""
        return (MODEL_DELAY_SAMPLES + self._padding) / self.sample_rate

    @property
    def snr_db(self) -> float:
        """The model's estimate of the local SNR of the last frame, in dB."""
        return self._state.last_snr_db if self._state is not None else 0.0

    async def prewarm(self) -> None:
        """Create the native state off the event loop; idempotent."""
        if self._state is None:
            state = await asyncio.to_thread(
                DeepFilterState, self._model_path, self.atten_lim_db, self.post_filter_beta
            )
            if self._state is None:
                self._state = state
            else:
                state.close()

    async def denoise(self, audio_frames: bytes, **kwargs: Any) -> bytes:
        """Denoise 16-bit mono PCM at 48 kHz; the result has the same length.

        Raises ``ValueError`` for an odd number of bytes (half a sample).
        """
        if len(audio_frames) % 2:
            raise ValueError(f"PCM16 needs an even number of bytes, got {len(audio_frames)}")
        if not audio_frames:
            return b""
        async with self._lock:
            await self.prewarm()
            return await asyncio.to_thread(self._process, audio_frames)

    def _process(self, audio_frames: bytes) -> bytes:
        assert self._state is not None
        samples = np.frombuffer(audio_frames, dtype="<i2").astype(np.float32) / 32768.0
        pending = np.concatenate([self._pending, samples])
        whole = len(pending) - len(pending) % self._state.frame_length
        self._pending = pending[whole:]
        ready = np.concatenate([self._ready, self._state.process(pending[:whole])])
        shortfall = len(samples) - len(ready)
        if shortfall > 0:
            self._padding += shortfall
            ready = np.concatenate([np.zeros(shortfall, dtype=np.float32), ready])
        out, self._ready = ready[: len(samples)], ready[len(samples) :]
        return (np.clip(out, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()

    async def aclose(self) -> None:
        """Free the native state."""
        async with self._lock:
            if self._state is not None:
                self._state.close()
                self._state = None
        await super().aclose()


#: Short alias.
DeepFilterNet = DeepFilterNoiseSuppressor
