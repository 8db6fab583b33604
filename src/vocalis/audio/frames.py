"""PCM basics of Vocalis: 16-bit signed little-endian samples, 20 ms frames, format checks.

Owns the byte/sample/duration arithmetic, the conversions between PCM bytes and numpy,
level measurement, the ``AudioFrame`` handed to transports, and ``FrameChunker``, which cuts
arbitrary byte chunks into exact frames while carrying the remainder.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np

SAMPLE_WIDTH = 2
"""Bytes per sample: Vocalis audio is 16-bit signed PCM."""

FRAME_MS = 20
"""Default frame length in milliseconds."""

INT16_MAX = 32767
INT16_MIN = -32768

BytesLike = bytes | bytearray | memoryview


class AudioFormatError(ValueError):
    """PCM that does not fit its declared format (odd length, partial sample, wrong size)."""


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """The shape of a PCM stream: rate, channel count and frame length (s16 always)."""

    sample_rate: int = 24000
    channels: int = 1
    frame_ms: int = FRAME_MS

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise AudioFormatError(f"sample_rate must be positive, got {self.sample_rate}")
        if self.channels not in (1, 2):
            raise AudioFormatError(f"channels must be 1 or 2, got {self.channels}")
        if self.frame_ms <= 0 or (self.sample_rate * self.frame_ms) % 1000:
            raise AudioFormatError(
                f"{self.frame_ms} ms is not a whole number of samples at {self.sample_rate} Hz"
            )

    @property
    def frame_samples(self) -> int:
        """Samples per channel in one frame."""
        return self.sample_rate * self.frame_ms // 1000

    @property
    def frame_bytes(self) -> int:
        """Bytes in one frame, all channels."""
        return self.frame_samples * self.channels * SAMPLE_WIDTH

    @property
    def bytes_per_second(self) -> int:
        return self.sample_rate * self.channels * SAMPLE_WIDTH

    @property
    def frame_duration(self) -> float:
        """Seconds in one frame."""
        return self.frame_ms / 1000

    def duration(self, pcm: BytesLike | int) -> float:
        """Seconds of audio in ``pcm`` (bytes or a byte count)."""
        size = pcm if isinstance(pcm, int) else len(pcm)
        return size / self.bytes_per_second


def frame_samples(sample_rate: int, ms: int = FRAME_MS) -> int:
    """Samples per channel in a frame of ``ms`` milliseconds."""
    return sample_rate * ms // 1000


def frame_bytes(sample_rate: int, ms: int = FRAME_MS, channels: int = 1) -> int:
    """Bytes in a frame of ``ms`` milliseconds of s16 PCM."""
    return frame_samples(sample_rate, ms) * channels * SAMPLE_WIDTH


def pcm_duration(pcm: BytesLike | int, sample_rate: int, channels: int = 1) -> float:
    """Seconds of s16 audio in ``pcm`` (bytes or a byte count) at ``sample_rate``."""
    size = pcm if isinstance(pcm, int) else len(pcm)
    return size / (sample_rate * channels * SAMPLE_WIDTH)


def sample_count(pcm: BytesLike, channels: int = 1) -> int:
    """Whole samples per channel in ``pcm``; a dangling partial sample is not counted."""
    return len(pcm) // (SAMPLE_WIDTH * channels)


def check_pcm(pcm: BytesLike, channels: int = 1) -> None:
    """Raise ``AudioFormatError`` unless ``pcm`` holds whole s16 samples for every channel."""
    if len(pcm) % (SAMPLE_WIDTH * channels):
        raise AudioFormatError(
            f"PCM length {len(pcm)} is not a whole number of s16 samples for {channels} channel(s)"
        )


def trim_partial_sample(pcm: BytesLike, channels: int = 1) -> bytes:
    """``pcm`` without its trailing partial sample, when there is one."""
    usable = len(pcm) - len(pcm) % (SAMPLE_WIDTH * channels)
    return bytes(pcm[:usable])


def as_pcm_bytes(audio: object) -> bytes | bytearray | memoryview:
    """Accept any bytes-like PCM; raise ``TypeError`` for text and other non-buffers."""
    if isinstance(audio, bytes | bytearray):
        return audio
    if isinstance(audio, str):
        raise TypeError("PCM audio must be bytes, not str")
    if isinstance(audio, np.ndarray):
        if audio.dtype != np.int16:
            raise AudioFormatError(f"PCM arrays must be int16, got {audio.dtype}")
        return audio.tobytes()
    try:
        return memoryview(audio).cast("B")  # type: ignore[arg-type]
    except TypeError as exc:
        raise TypeError(f"PCM audio must be bytes-like, got {type(audio).__name__}") from exc


def pcm_to_array(pcm: BytesLike, channels: int = 1) -> np.ndarray:
    """s16 PCM as an int16 array, shape ``(n,)`` for mono or ``(n, channels)`` otherwise."""
    check_pcm(pcm, channels)
    data = np.frombuffer(pcm, dtype="<i2")
    return data if channels == 1 else data.reshape(-1, channels)


def array_to_pcm(samples: np.ndarray) -> bytes:
    """Samples as s16 PCM; floats are taken as int16-scale values, rounded and clipped."""
    if samples.dtype == np.int16:
        return samples.astype("<i2", copy=False).tobytes()
    clipped = np.clip(np.rint(samples), INT16_MIN, INT16_MAX)
    return clipped.astype("<i2").tobytes()


def rms(pcm: BytesLike) -> float:
    """Root-mean-square level of s16 PCM, scaled so that full scale is 1.0 (0.0 if empty)."""
    data = pcm_to_array(trim_partial_sample(pcm) if len(pcm) % 2 else pcm)
    if data.size == 0:
        return 0.0
    as_float = data.astype(np.float32)
    return float(np.sqrt(np.mean(as_float * as_float)) / 32768.0)


def rms_dbfs(pcm: BytesLike) -> float:
    """RMS level in dB relative to full scale; ``-inf`` for digital silence."""
    level = rms(pcm)
    return float("-inf") if level == 0.0 else 20.0 * float(np.log10(level))


def is_silent(pcm: BytesLike, threshold_dbfs: float = -60.0) -> bool:
    """Whether ``pcm`` is quieter than ``threshold_dbfs`` (digital silence always is)."""
    return rms_dbfs(pcm) < threshold_dbfs


def leading_quiet_samples(pcm: BytesLike, threshold_dbfs: float) -> int:
    """Samples before the first one whose magnitude reaches ``threshold_dbfs`` (all if none)."""
    data = pcm_to_array(trim_partial_sample(pcm) if len(pcm) % 2 else pcm)
    threshold = 32768.0 * 10.0 ** (threshold_dbfs / 20.0)
    loud = np.flatnonzero(np.abs(data.astype(np.int32)) >= threshold)
    return int(loud[0]) if loud.size else int(data.size)


@lru_cache(maxsize=32)
def silence(size_bytes: int) -> bytes:
    """A shared, immutable block of zero PCM of ``size_bytes`` bytes."""
    return bytes(size_bytes)


@dataclass(slots=True)
class AudioFrame:
    """One frame of s16 PCM handed to a transport.

    ``is_silence`` is True when the frame is all zeros (nothing to hear); ``is_speech`` is True
    when it carries the agent's speech (background audio alone is not speech).
    """

    pcm: bytes
    sample_rate: int
    samples: int
    pts: int = 0
    channels: int = 1
    is_silence: bool = False
    is_speech: bool = False

    @property
    def time_base(self) -> Fraction:
        """Units of ``pts``: one sample."""
        return Fraction(1, self.sample_rate)

    @property
    def duration(self) -> float:
        return self.samples / self.sample_rate

    def to_ndarray(self) -> np.ndarray:
        """The samples as int16, shape ``(samples,)`` or ``(samples, channels)``."""
        return pcm_to_array(self.pcm, self.channels)


class FrameChunker:
    """Cuts a byte stream into exact frames of ``frame_size`` bytes, carrying the remainder.

    Chunks may have any length, odd included: a split sample is completed by the next chunk.
    """

    def __init__(self, frame_size: int) -> None:
        if frame_size <= 0 or frame_size % SAMPLE_WIDTH:
            raise AudioFormatError(
                f"frame_size must be a positive even byte count, got {frame_size}"
            )
        self.frame_size = frame_size
        self._buffer = bytearray()

    @classmethod
    def for_format(cls, fmt: AudioFormat) -> FrameChunker:
        return cls(fmt.frame_bytes)

    @property
    def pending(self) -> int:
        """Bytes held back until the next frame is complete."""
        return len(self._buffer)

    def push(self, data: BytesLike) -> list[bytes]:
        """Add ``data``; return the frames it completes (possibly none)."""
        if not data:
            return []
        buffer = self._buffer
        size = self.frame_size
        if not buffer and len(data) == size:
            return [bytes(data)]
        buffer.extend(data)
        count = len(buffer) // size
        if count == 0:
            return []
        frames = [bytes(buffer[i * size : (i + 1) * size]) for i in range(count)]
        del buffer[: count * size]
        return frames

    def flush(self, pad: bool = True) -> bytes | None:
        """The held-back bytes as a last frame (zero-padded when ``pad``), or None if empty.

        A dangling partial sample is dropped: it can never become a sample.
        """
        if not self._buffer:
            return None
        tail = trim_partial_sample(self._buffer)
        self._buffer.clear()
        if not tail:
            return None
        if pad:
            tail += bytes(self.frame_size - len(tail))
        return tail

    def clear(self) -> bytes:
        """Drop and return the held-back bytes."""
        held = bytes(self._buffer)
        self._buffer.clear()
        return held
