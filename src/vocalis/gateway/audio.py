"""Audio helpers of the served sessions: base64 decoding that rejects junk, and a
per-session streaming resampler (each stream owns its own state)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..audio import StreamResampler


class BadAudio(ValueError):
    """An audio payload that is not base64 of whole 16-bit samples."""


def decode_pcm(data: Any) -> bytes:
    if not isinstance(data, str):
        raise BadAudio("audio must be a base64 string")
    try:
        pcm = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadAudio(f"audio is not valid base64: {exc}") from exc
    if len(pcm) % 2:
        raise BadAudio("audio must hold whole 16-bit samples")
    return pcm


def encode_pcm(pcm: bytes) -> str:
    return base64.b64encode(pcm).decode("ascii")


class Converter:
    """Resamples one direction of one session (a no-op when the rates match)."""

    def __init__(self, source: int, target: int) -> None:
        self.source, self.target = source, target
        self._resampler = StreamResampler(source, target) if source != target else None

    def __call__(self, pcm: bytes) -> bytes:
        return self._resampler.push(pcm) if self._resampler is not None else pcm


def sample_rate_of(value: Any, default: int) -> int:
    """A client's sample rate (int or numeric string) within 8–48 kHz."""
    try:
        rate = int(value) if value is not None else default
    except (TypeError, ValueError) as exc:
        raise BadAudio(f"bad sample_rate {value!r}") from exc
    if not 8000 <= rate <= 48000:
        raise BadAudio(f"sample_rate {rate} is outside 8000-48000 Hz")
    return rate
