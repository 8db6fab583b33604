"""Files a call recording is written to, a block at a time: WAV (stdlib ``wave``, whose header
is rewritten after every block, so the file is valid at all times) or Ogg/Opus (PyAV; Ogg pages
reach the disk as they fill, ``PAGE_SECONDS`` at most)."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

RecordingFormat = Literal["wav", "ogg"]

PAGE_SECONDS = 0.2
"""Longest stretch of Ogg/Opus audio held in the muxer before it is written out."""


class RecordingFile(Protocol):
    """Accepts interleaved int16 samples (``(n, channels)``) and closes cleanly."""

    def write(self, samples: np.ndarray) -> None: ...
    def close(self) -> None: ...


class WavRecordingFile:
    """16-bit PCM WAV; a crash leaves a valid file of everything written so far."""

    def __init__(self, path: Path, sample_rate: int, channels: int) -> None:
        self._file = open(path, "wb")  # noqa: SIM115 - owned until close()
        self._wav = wave.open(self._file, "wb")  # noqa: SIM115 - closed in close()
        self._wav.setnchannels(channels)
        self._wav.setsampwidth(2)
        self._wav.setframerate(sample_rate)

    def write(self, samples: np.ndarray) -> None:
        self._wav.writeframes(samples.astype("<i2").tobytes())
        self._file.flush()

    def close(self) -> None:
        self._wav.close()
        self._file.close()


class OggOpusRecordingFile:
    """Ogg/Opus through PyAV (libopus), 20 ms packets, pages of at most ``PAGE_SECONDS``."""

    def __init__(self, path: Path, sample_rate: int, channels: int) -> None:
        import av

        self._av = av
        self._container = av.open(str(path), "w", format="ogg",
                                  options={"page_duration": str(int(PAGE_SECONDS * 1e6)),
                                           "flush_packets": "1"})
        self._stream = self._container.add_stream("libopus", rate=sample_rate)
        self._stream.layout = "stereo" if channels == 2 else "mono"
        self._stream.bit_rate = 32000 * channels
        self._channels = channels
        self._rate = sample_rate
        self._frame = sample_rate // 50
        self._pending = np.zeros((0, channels), dtype=np.int16)
        self._pts = 0

    def write(self, samples: np.ndarray) -> None:
        self._pending = np.concatenate([self._pending, samples.astype(np.int16)])
        while len(self._pending) >= self._frame:
            self._encode(self._pending[: self._frame])
            self._pending = self._pending[self._frame :]

    def _encode(self, block: np.ndarray) -> None:
        frame = self._av.AudioFrame.from_ndarray(
            block.reshape(1, -1), format="s16", layout=self._stream.layout.name)
        frame.sample_rate = self._rate
        frame.pts = self._pts
        self._pts += len(block)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        if len(self._pending):
            pad = np.zeros((self._frame - len(self._pending), self._channels), dtype=np.int16)
            self._encode(np.concatenate([self._pending, pad]))
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()


def open_recording_file(
    path: Path, format: RecordingFormat, sample_rate: int, channels: int
) -> RecordingFile:
    if format == "wav":
        return WavRecordingFile(path, sample_rate, channels)
    if format == "ogg":
        return OggOpusRecordingFile(path, sample_rate, channels)
    raise ValueError(f"unknown recording format {format!r}; expected 'wav' or 'ogg'")
