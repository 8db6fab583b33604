"""The voices of the interruption corpus: Piper, espeak-ng, Flite and Festival, split by voice.

A ``Voice`` renders text to float audio in [-1, 1] at its native rate, with per-utterance
jitter of speed and pitch drawn from the caller's random generator (so the corpus is
reproducible). Training and test voices never overlap: the test set has espeak-ng accents
and variants, and Flite voices, that training never hears; round 2 added more espeak-ng voices
and Festival's ked diphone voice to training, and Festival's HTS voice of the test speaker
slt as a second held-out set (``HTS_TEST_VOICES``).
"""

from __future__ import annotations

import io
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soxr


@dataclass(frozen=True)
class Voice:
    """One speaker: an engine, its voice name, and settings around which utterances vary."""

    engine: str
    name: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        extra = "-".join(f"{k}{v}" for k, v in sorted(self.settings.items()))
        return f"{self.engine}:{self.name}" + (f":{extra}" if extra else "")

    def render(self, text: str, rng: np.random.Generator) -> tuple[np.ndarray, int]:
        """Speak ``text`` once, with this utterance's own speed and pitch."""
        if self.engine == "espeak":
            audio, rate = _espeak(text, self.name, self.settings, rng)
        elif self.engine == "flite":
            audio, rate = _flite(text, self.name, self.settings, rng)
        elif self.engine == "festival":
            audio, rate = _festival(text, self.name, rng)
        elif self.engine == "piper":
            audio, rate = _piper(text, self.settings, rng)
        else:
            raise ValueError(f"unknown engine {self.engine!r}")
        # Resampling playback changes pitch, formants and tempo together: a slightly other voice.
        factor = float(rng.uniform(0.94, 1.06))
        audio = soxr.resample(audio, rate, rate * factor, quality="HQ").astype(np.float32)
        return audio, rate


def _espeak(
    text: str, name: str, settings: dict[str, Any], rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    speed = int(rng.integers(125, 215))
    pitch = int(np.clip(settings.get("pitch", 50) + rng.integers(-15, 16), 0, 99))
    args = ["espeak-ng", "-v", name, "-s", str(speed), "-p", str(pitch), "--stdout", text]
    wav = subprocess.run(args, capture_output=True, check=True).stdout
    return _read_wav_bytes(wav)


def _flite(
    text: str, name: str, settings: dict[str, Any], rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    stretch = float(rng.uniform(0.8, 1.45))
    f0 = float(settings.get("f0", 110) * rng.uniform(0.85, 1.2))
    with tempfile.NamedTemporaryFile(suffix=".wav") as out:
        subprocess.run(
            ["flite", "-voice", name, "-t", text, "-o", out.name,
             "--setf", f"duration_stretch={stretch:.3f}", "--setf", f"int_f0_target_mean={f0:.1f}"],
            capture_output=True, check=True,
        )
        return _read_wav_bytes(Path(out.name).read_bytes())


def _festival(text: str, name: str, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    stretch = float(rng.uniform(0.85, 1.3))
    with tempfile.NamedTemporaryFile(suffix=".wav") as out:
        subprocess.run(
            ["text2wave", "-eval", f"(voice_{name})", "-eval", f"(Parameter.set 'Duration_Stretch {stretch:.3f})",
             "-o", out.name],
            input=text.encode(), capture_output=True, check=True,
        )
        return _read_wav_bytes(Path(out.name).read_bytes())


def _piper(text: str, settings: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, int]:
    from vocalis.plugins.piper.voice import (
        DEFAULT_VOICE,
        SynthesisOptions,
        load_voice,
        resolve_voice,
        synthesize_pieces,
    )

    voice = load_voice(resolve_voice(DEFAULT_VOICE))
    options = SynthesisOptions(
        length_scale=settings["length"] * float(rng.uniform(0.85, 1.25)),
        noise_scale=settings["noise"],
        noise_w_scale=settings["noise_w"],
    )
    parts = list(synthesize_pieces(voice, text, options))
    rate = voice.config.sample_rate
    gap = np.zeros(int(0.12 * rate), dtype=np.float32)
    joined: list[np.ndarray] = []
    for part in parts:
        joined += [part, gap]
    return (np.concatenate(joined[:-1]) if joined else np.zeros(rate // 10, np.float32)), rate


def _read_wav_bytes(data: bytes) -> tuple[np.ndarray, int]:
    # espeak-ng writes a streaming header with a bogus length: read the samples to the end.
    with wave.open(io.BytesIO(data)) as src:
        rate = src.getframerate()
    body = data[data.index(b"data") + 8 :]
    pcm = np.frombuffer(body[: len(body) // 2 * 2], dtype="<i2")
    return pcm.astype(np.float32) / 32768.0, rate


def _espeak_voices(specs: list[tuple[str, str, int]]) -> list[Voice]:
    return [Voice("espeak", f"{lang}+{variant}", {"pitch": pitch}) for lang, variant, pitch in specs]


TRAIN_VOICES: tuple[Voice, ...] = (
    Voice("piper", "en_US-joe-medium", {"length": 0.9, "noise": 0.667, "noise_w": 0.8}),
    Voice("piper", "en_US-joe-medium", {"length": 1.15, "noise": 0.5, "noise_w": 0.6}),
    Voice("piper", "en_US-joe-medium", {"length": 1.4, "noise": 0.9, "noise_w": 1.0}),
    Voice("piper", "en_US-joe-medium", {"length": 0.8, "noise": 0.3, "noise_w": 0.5}),
    *_espeak_voices([
        ("en-us", "m1", 45), ("en-us", "f2", 60), ("en-gb", "m3", 40), ("en-gb-scotland", "f1", 65),
        ("en-029", "m4", 50), ("en-us", "klatt2", 50), ("en-gb-x-gbcwmd", "m6", 35),
        ("en-us", "Andy", 50), ("en-gb", "Alicia", 60), ("en-us", "steph", 55),
    ]),
    Voice("flite", "kal16", {"f0": 105}),
    Voice("flite", "awb", {"f0": 115}),
)

# Round 2: more training voices (no test variant, no test accent), added to a separate subset.
EXTRA_TRAIN_VOICES: tuple[Voice, ...] = (
    *_espeak_voices([
        ("en-us", "Gene", 50), ("en-gb", "Robert", 45), ("en-us", "Linda", 62), ("en-029", "Lee", 48),
        ("en-us", "Michael", 40), ("en-gb-scotland", "Jacky", 50), ("en-us", "travis", 45),
        ("en-us", "shelby", 60), ("en-gb", "grandma", 65), ("en-us", "grandpa", 35),
        ("en-gb", "Benjamin", 45), ("en-us", "David", 42), ("en-gb-x-gbcwmd", "Mike", 50),
        ("en-us", "Belinda", 58),
    ]),
    Voice("festival", "ked_diphone"),
)

TEST_VOICES: tuple[Voice, ...] = (
    *_espeak_voices([
        ("en-gb-x-rp", "f3", 62), ("en-us-nyc", "m5", 42), ("en-gb-x-gbclan", "f4", 58),
        ("en-us", "klatt3", 48), ("en-us", "m7", 38), ("en-gb", "Annie", 60),
    ]),
    Voice("flite", "slt", {"f0": 175}),
    Voice("flite", "rms", {"f0": 100}),
)

# The test speaker slt again, as Festival's statistical (HTS) voice: smoother, more natural speech.
HTS_TEST_VOICES: tuple[Voice, ...] = (Voice("festival", "cmu_us_slt_arctic_hts"),)

# Voices that only make babble noise (never the caller), one set per split.
BABBLE_VOICES = {
    "train": _espeak_voices([("en-us", "m2", 50), ("en-gb", "f5", 55), ("en-us", "m8", 45)]),
    "test": _espeak_voices([("en-gb-x-rp", "m2", 45), ("en-us", "f1", 60), ("en-029", "m3", 50)]),
}
