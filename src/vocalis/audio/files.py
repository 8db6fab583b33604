"""Audio files to and from s16 PCM: any format ffmpeg decodes (PyAV), and WAV via the stdlib.

``load_audio_file`` follows the reference: it decodes the first audio stream, converts it to
s16 at the requested rate and channel count, and always closes the container.
"""

from __future__ import annotations

import os
import wave

import av
import numpy as np

from .frames import SAMPLE_WIDTH, AudioFormatError, BytesLike, check_pcm

DEFAULT_SAMPLE_RATE = 24000
DEFAULT_NUM_CHANNELS = 1

PathLike = str | os.PathLike[str]


def load_audio_file(
    path: PathLike,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    num_channels: int = DEFAULT_NUM_CHANNELS,
) -> bytes:
    """Decode ``path`` to interleaved little-endian s16 PCM at ``sample_rate``.

    Raises ``ValueError`` when ``num_channels`` is not 1 or 2 or the file has no audio stream;
    PyAV's own errors (``av.error.FFmpegError`` subclasses) report unreadable files.
    """
    if num_channels not in (1, 2):
        raise ValueError(f"num_channels must be 1 or 2, got {num_channels}")
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    layout = "mono" if num_channels == 1 else "stereo"
    container = av.open(os.fspath(path))
    try:
        if not container.streams.audio:
            raise ValueError(f"No audio stream found in {os.fspath(path)}")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout=layout, rate=sample_rate)
        chunks: list[bytes] = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(_packed_bytes(out, num_channels))
        for out in resampler.resample(None):
            chunks.append(_packed_bytes(out, num_channels))
        return b"".join(chunks)
    finally:
        container.close()


def _packed_bytes(frame: av.AudioFrame, num_channels: int) -> bytes:
    """The frame's samples without the padding PyAV may leave at the end of its plane."""
    return bytes(frame.planes[0])[: frame.samples * num_channels * SAMPLE_WIDTH]


def write_wav(path: PathLike, pcm: BytesLike, sample_rate: int, num_channels: int = 1) -> None:
    """Write s16 PCM as a WAV file."""
    check_pcm(pcm, num_channels)
    with wave.open(os.fspath(path), "wb") as out:
        out.setnchannels(num_channels)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(sample_rate)
        out.writeframes(bytes(pcm))


def read_wav(path: PathLike, mono: bool = True) -> tuple[bytes, int]:
    """Read a 16-bit WAV file as ``(pcm, sample_rate)``; stereo is averaged to mono if ``mono``.

    Other sample widths raise ``AudioFormatError``; use ``load_audio_file`` for those.
    """
    with wave.open(os.fspath(path), "rb") as src:
        if src.getsampwidth() != SAMPLE_WIDTH:
            raise AudioFormatError(
                f"{os.fspath(path)} has {8 * src.getsampwidth()}-bit samples; expected 16-bit"
            )
        channels = src.getnchannels()
        rate = src.getframerate()
        pcm = src.readframes(src.getnframes())
    if mono and channels > 1:
        data = np.frombuffer(pcm, dtype="<i2").reshape(-1, channels).astype(np.int32)
        pcm = (data.sum(axis=1) // channels).astype("<i2").tobytes()
    return pcm, rate
