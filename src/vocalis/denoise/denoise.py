"""The noise-suppression contract: PCM in, cleaner PCM of the same length out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Literal

from ..utils.events import EventEmitter


class Denoise(EventEmitter[Literal["error"]], ABC):
    """Base class of denoisers; the pipeline runs them on user audio before VAD and STT."""

    #: Sample rate (Hz) the denoiser wants; the pipeline resamples to it.
    sample_rate: int = 48000

    @property
    def label(self) -> str:
        return f"{type(self).__module__}.{type(self).__name__}"

    @abstractmethod
    async def denoise(self, audio_frames: bytes, **kwargs: Any) -> bytes:
        """Return denoised 16-bit mono PCM, the same length as the input when possible."""

    async def prewarm(self) -> None:
        """Load the model ahead of use; idempotent."""

    async def aclose(self) -> None:
        """Release the model; no-op by default (no ``gc.collect()``: it would stall other sessions)."""
