"""Streaming sample-rate conversion of s16 mono PCM: the one resampler used at every edge.

Built on ``soxr.ResampleStream`` so that chunk boundaries leave no clicks. Equal rates pass
bytes straight through (no copy, no latency), so a pipeline can always put one in place.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import soxr

from .frames import SAMPLE_WIDTH, AudioFormatError, BytesLike, as_pcm_bytes

ResampleQuality = Literal["QQ", "LQ", "MQ", "HQ", "VHQ"]

REALTIME_QUALITY: ResampleQuality = "LQ"
"""Default quality: 16-bit precision (all s16 can hold) and the shortest steady delay of the
filtered qualities (about one 20 ms chunk). "HQ"/"VHQ" hold output back in larger blocks."""


class StreamResampler:
    """Resamples a continuous s16 PCM stream chunk by chunk.

    ``push`` accepts chunks of any length (an odd byte is kept for the next chunk) and returns
    what is ready; ``flush`` returns the tail at the end of the stream and readies the resampler
    for a new one.
    """

    def __init__(
        self,
        in_rate: int,
        out_rate: int,
        quality: ResampleQuality = REALTIME_QUALITY,
        channels: int = 1,
    ) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise AudioFormatError(f"sample rates must be positive, got {in_rate} -> {out_rate}")
        if channels not in (1, 2):
            raise AudioFormatError(f"channels must be 1 or 2, got {channels}")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.quality = quality
        self.channels = channels
        self._sample_bytes = SAMPLE_WIDTH * channels
        self._carry = b""
        self._stream: soxr.ResampleStream | None = None
        if in_rate != out_rate:
            self._stream = self._new_stream()

    @property
    def is_passthrough(self) -> bool:
        """True when rates are equal and bytes go through untouched."""
        return self._stream is None

    @property
    def delay_seconds(self) -> float:
        """How much output the resampler holds back right now, in seconds: the last sample
        returned by ``push`` is that much older than the last sample pushed."""
        if self._stream is None:
            return 0.0
        return float(self._stream.delay()) / self.out_rate

    def _new_stream(self) -> soxr.ResampleStream:
        return soxr.ResampleStream(
            self.in_rate, self.out_rate, self.channels, dtype="int16", quality=self.quality
        )

    def push(self, pcm: BytesLike) -> bytes:
        """Resample a chunk; returns the output ready so far (possibly empty)."""
        data = as_pcm_bytes(pcm)
        if self._carry:
            data = self._carry + bytes(data)
            self._carry = b""
        extra = len(data) % self._sample_bytes
        if extra:
            self._carry = bytes(data[-extra:])
            data = data[:-extra]
        if self._stream is None:
            return data if isinstance(data, bytes) else bytes(data)
        if not data:
            return b""
        samples = np.frombuffer(data, dtype="<i2")
        if self.channels > 1:
            samples = samples.reshape(-1, self.channels)
        return self._stream.resample_chunk(samples).tobytes()

    def flush(self) -> bytes:
        """End the stream: return the remaining output and reset for a new stream."""
        self._carry = b""
        if self._stream is None:
            return b""
        shape = (0,) if self.channels == 1 else (0, self.channels)
        tail = self._stream.resample_chunk(np.zeros(shape, dtype=np.int16), last=True)
        self._stream = self._new_stream()
        return tail.tobytes()

    def reset(self) -> None:
        """Drop buffered state (for example after an interruption) without producing output."""
        self._carry = b""
        if self._stream is not None:
            self._stream = self._new_stream()

    def resample(self, pcm: BytesLike) -> bytes:
        """One-shot conversion of a whole buffer (push and flush)."""
        return self.push(pcm) + self.flush()


def resample_pcm(
    pcm: BytesLike, in_rate: int, out_rate: int, quality: ResampleQuality = "HQ"
) -> bytes:
    """Convert a complete mono s16 buffer between rates (for files and prompts, not streams)."""
    return StreamResampler(in_rate, out_rate, quality=quality).resample(pcm)
