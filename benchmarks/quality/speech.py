"""Real speech for the benchmark: Piper and espeak-ng voices, levels, noise, voiced spans.

Every clip is synthesized at the voice's own rate, resampled with soxr "VHQ" to the rate a path
sends, and levelled to the same speech loudness, so voices and paths differ only in what they
are meant to differ in. Piper runs with its noise knobs at zero: the same text gives the same
audio on every run (a before/after comparison needs that).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from dataclasses import dataclass
from functools import cache

import numpy as np

from vocalis.audio import resample_pcm

SPEECH_LEVEL_DBFS = -22.0
"""RMS of the voiced part of every clip: a normal headset or phone level."""
FRAME_SECONDS = 0.01
VOICED_BELOW_PEAK_DB = 35.0
"""A 10 ms frame is voiced when its RMS is within this many dB of the clip's loudest frame."""


@dataclass(frozen=True)
class Voice:
    """A synthetic speaker: an engine, a voice of that engine and a speaking rate."""

    name: str
    engine: str  # "piper" or "espeak"
    voice: str
    rate: float  # Piper: length_scale (>1 slower); espeak-ng: words per minute


VOICES: tuple[Voice, ...] = (
    Voice("piper-joe", "piper", "en_US-joe-medium", 1.0),
    Voice("piper-joe-slow", "piper", "en_US-joe-medium", 1.3),
    Voice("espeak-us", "espeak", "en-us", 165),
    Voice("espeak-us-fast", "espeak", "en-us", 215),
    Voice("espeak-gb-f", "espeak", "en-gb-x-rp+f3", 160),
    Voice("espeak-gb-f-fast", "espeak", "en-gb-x-rp+f3", 210),
)
"""Three voices, each at two speaking rates."""


def voice_named(name: str) -> Voice:
    for voice in VOICES:
        if voice.name == name:
            return voice
    raise ValueError(f"unknown voice {name!r}; choose from {[v.name for v in VOICES]}")


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _synthesize_piper(voice: Voice, text: str) -> tuple[np.ndarray, int]:
    from vocalis.plugins.piper.voice import SynthesisOptions, synthesize

    options = SynthesisOptions(length_scale=voice.rate, noise_scale=0.0, noise_w_scale=0.0)
    return synthesize(text, options, voice.voice)


def _synthesize_espeak(voice: Voice, text: str) -> tuple[np.ndarray, int]:
    if not espeak_available():
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    wav = subprocess.run(
        ["espeak-ng", "-v", voice.voice, "-s", str(int(voice.rate)), "--stdout", text],
        check=True, capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate = reader.getframerate()
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    return data.astype(np.float32) / 32768.0, rate


@cache
def synthesize_native(voice: Voice, text: str) -> tuple[np.ndarray, int]:
    """``text`` spoken by ``voice`` at the engine's own rate, trimmed, as float32."""
    if voice.engine == "piper":
        audio, native = _synthesize_piper(voice, text)
    else:
        audio, native = _synthesize_espeak(voice, text)
    return trim_silence(audio, native), native


def synthesize(voice: Voice, text: str, rate: int) -> np.ndarray:
    """``text`` spoken by ``voice``, as float32 at ``rate``, levelled to ``SPEECH_LEVEL_DBFS``."""
    audio, native = synthesize_native(voice, text)
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    out = np.frombuffer(resample_pcm(pcm, native, rate, quality="VHQ"), dtype="<i2")
    return level(out.astype(np.float32) / 32768.0, rate)


def frame_rms_db(audio: np.ndarray, rate: int, frame_seconds: float = FRAME_SECONDS) -> np.ndarray:
    """RMS in dBFS of consecutive frames of ``audio`` (float in [-1, 1])."""
    size = max(1, int(rate * frame_seconds))
    count = len(audio) // size
    if count == 0:
        return np.zeros(0)
    frames = audio[: count * size].reshape(count, size).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def voiced_mask(audio: np.ndarray, rate: int) -> np.ndarray:
    """Which 10 ms frames of a clean clip carry speech."""
    db = frame_rms_db(audio, rate)
    if db.size == 0:
        return db.astype(bool)
    return db > max(db.max() - VOICED_BELOW_PEAK_DB, -60.0)


def voiced_span(audio: np.ndarray, rate: int) -> tuple[float, float]:
    """Seconds from the clip's start to its first and past its last voiced frame."""
    mask = voiced_mask(audio, rate)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return 0.0, 0.0
    return idx[0] * FRAME_SECONDS, (idx[-1] + 1) * FRAME_SECONDS


def trim_silence(audio: np.ndarray, rate: int, keep: float = 0.05) -> np.ndarray:
    """Drop leading and trailing silence, keeping ``keep`` seconds each side."""
    start, end = voiced_span(audio, rate)
    if end <= start:
        return audio
    a = max(0, int((start - keep) * rate))
    b = min(len(audio), int((end + keep) * rate))
    return audio[a:b]


def level(audio: np.ndarray, rate: int, dbfs: float = SPEECH_LEVEL_DBFS) -> np.ndarray:
    """Scale a clip so that its voiced frames have an RMS of ``dbfs``."""
    mask = voiced_mask(audio, rate)
    size = int(rate * FRAME_SECONDS)
    voiced = np.concatenate(
        [audio[i * size:(i + 1) * size] for i in np.flatnonzero(mask)]
    ) if mask.any() else audio
    rms = float(np.sqrt(np.mean(voiced.astype(np.float64) ** 2))) if voiced.size else 0.0
    if rms < 1e-9:
        return audio
    return (audio * (10 ** (dbfs / 20) / rms)).astype(np.float32)


def pink_noise(seconds: float, rate: int, seed: int) -> np.ndarray:
    """Pink (1/f) noise with unit RMS: the spectrum of room, street and crowd noise."""
    n = int(seconds * rate)
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / rate)
    freqs[0] = freqs[1]
    noise = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    return (noise / np.sqrt(np.mean(noise**2))).astype(np.float32)


def noise_bed(snr_db: float | None, seconds: float, rate: int, seed: int = 7) -> np.ndarray | None:
    """Continuous background noise for a call at ``snr_db`` below the speech level (None: none)."""
    if snr_db is None:
        return None
    return pink_noise(seconds, rate, seed) * (10 ** ((SPEECH_LEVEL_DBFS - snr_db) / 20))
