"""``transcribe``: what the live STT's model hears in a whole recording, decoded offline.

The yardstick of the quality tests and benchmarks (the same ``tiny.en`` model, beam 5, in
Whisper's standard 30-second window), and handy for checking what a recording says.
Blocking: call it from a worker thread.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from .decoder import DecodeOptions, WhisperDecoder
from .model import Transcription, load_model


@cache
def _decoder(model: str, fitted_window: bool) -> WhisperDecoder:
    return WhisperDecoder(load_model(model, "cpu", "int8"), fitted_window=fitted_window)


def transcribe(
    audio: np.ndarray,
    *,
    model: str = "tiny.en",
    beam_size: int = 5,
    word_timestamps: bool = False,
    fitted_window: bool = False,
) -> Transcription:
    """Decode ``audio`` (float32, 16 kHz mono) with the process-wide model."""
    options = DecodeOptions(beam_size=beam_size, word_timestamps=word_timestamps)
    (result,) = _decoder(model, fitted_window).decode([np.asarray(audio, np.float32)], options)
    return result
