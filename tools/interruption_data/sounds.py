"""Synthesised non-speech sounds a caller makes over the agent: laughs, coughs, breaths.

Each is built from a source (a glottal pulse train for voiced sounds, noise for breathy
ones) shaped by formant resonators and an amplitude envelope, with every parameter drawn
from the caller's random generator. They are plausible rather than lifelike; spoken laughs
("ha ha") come from the voices as well.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, lfilter

RATE = 16000

VOWELS = {  # formant frequencies (Hz) of a few open vowels
    "a": (750, 1200, 2500), "e": (550, 1800, 2550), "ah": (650, 1100, 2400), "eh": (500, 1500, 2500),
}


def _resonate(signal: np.ndarray, formants: tuple[int, ...], bandwidth: float = 90.0) -> np.ndarray:
    out = np.zeros_like(signal)
    for freq in formants:
        r = np.exp(-np.pi * bandwidth / RATE)
        theta = 2 * np.pi * freq / RATE
        out += lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], signal)
    return out


def _pulses(seconds: float, f0_start: float, f0_end: float, rng: np.random.Generator) -> np.ndarray:
    n = int(seconds * RATE)
    f0 = np.linspace(f0_start, f0_end, n) * (1 + 0.02 * rng.standard_normal(n).cumsum() / np.sqrt(n))
    phase = np.cumsum(f0 / RATE)
    train = np.diff(np.floor(phase), prepend=0.0)
    return lfilter([1.0], [1, -0.9], train)  # a soft glottal pulse shape


def _envelope(n: int, attack: float, release: float) -> np.ndarray:
    a, r = max(1, int(attack * RATE)), max(1, int(release * RATE))
    env = np.ones(n)
    env[:a] = np.linspace(0, 1, min(a, n))[: min(a, n)]
    env[-r:] *= np.exp(-np.linspace(0, 5, r))
    return env


def _band_noise(n: int, low: float, high: float, rng: np.random.Generator) -> np.ndarray:
    b, a = butter(2, [low / (RATE / 2), min(high, RATE / 2 - 100) / (RATE / 2)], btype="band")
    return lfilter(b, a, rng.standard_normal(n))


def laugh(rng: np.random.Generator) -> np.ndarray:
    """A run of breathy voiced "ha" bursts with falling pitch and loudness."""
    vowel = VOWELS[str(rng.choice(list(VOWELS)))]
    f0 = rng.uniform(160, 340)
    parts = [np.zeros(int(0.05 * RATE))]
    for i in range(int(rng.integers(3, 8))):
        dur = rng.uniform(0.06, 0.15)
        n = int(dur * RATE)
        voiced = _pulses(dur, f0, f0 * 0.92, rng)
        breath = rng.uniform(0.2, 0.8) * _band_noise(n, 300, 4000, rng) * 0.05
        aspiration = np.zeros(n)
        h = int(0.02 * RATE)
        aspiration[:h] = _band_noise(h, 800, 5000, rng)[:h] * 0.1
        burst = _resonate(voiced, vowel) + breath + aspiration
        parts += [burst * _envelope(n, 0.01, dur * 0.5) * (0.85**i), np.zeros(int(rng.uniform(0.03, 0.12) * RATE))]
        f0 *= rng.uniform(0.9, 1.0)
    return np.concatenate(parts)


def cough(rng: np.random.Generator) -> np.ndarray:
    """One to three explosive noise bursts with a short voiced onset."""
    parts = []
    for _ in range(int(rng.integers(1, 4))):
        dur = rng.uniform(0.15, 0.35)
        n = int(dur * RATE)
        noise = _resonate(rng.standard_normal(n), (int(rng.uniform(400, 900)), int(rng.uniform(1200, 2200))), 250)
        tau = rng.uniform(0.04, 0.1)
        env = np.exp(-np.arange(n) / (tau * RATE))
        env[: int(0.004 * RATE)] *= np.linspace(0, 1, int(0.004 * RATE))
        voiced = np.zeros(n)
        v = int(0.05 * RATE)
        voiced[:v] = _resonate(_pulses(0.05, rng.uniform(100, 220), 90, rng), VOWELS["ah"])[:v] * 0.5
        parts += [(noise * 0.05 + voiced) * env, np.zeros(int(rng.uniform(0.08, 0.25) * RATE))]
    return np.concatenate(parts)


def breath(rng: np.random.Generator) -> np.ndarray:
    """An audible in- or out-breath: band-limited noise under a slow swell."""
    dur = rng.uniform(0.3, 0.8)
    n = int(dur * RATE)
    env = np.sin(np.linspace(0, np.pi, n)) ** rng.uniform(1, 3)
    return _band_noise(n, rng.uniform(300, 700), rng.uniform(2000, 5000), rng) * env


def throat_clear(rng: np.random.Generator) -> np.ndarray:
    """A low, rough voiced rumble with noise."""
    dur = rng.uniform(0.2, 0.45)
    n = int(dur * RATE)
    rough = _pulses(dur, rng.uniform(70, 120), rng.uniform(60, 100), rng)
    rough *= 1 + 0.6 * rng.standard_normal(n).clip(-1, 1)
    body = _resonate(rough, (400, 1000, 2300), 200) + 0.03 * _band_noise(n, 200, 3000, rng)
    return body * _envelope(n, 0.02, dur * 0.4)


def sigh(rng: np.random.Generator) -> np.ndarray:
    """A breathy voiced "haah" falling in pitch."""
    dur = rng.uniform(0.35, 0.8)
    n = int(dur * RATE)
    f0 = rng.uniform(140, 260)
    voiced = _resonate(_pulses(dur, f0, f0 * 0.7, rng), VOWELS["ah"])
    noise = _band_noise(n, 400, 4000, rng) * 0.08
    return (voiced * rng.uniform(0.3, 0.8) + noise) * _envelope(n, 0.08, dur * 0.6)


SOUNDS = {"laugh": laugh, "cough": cough, "breath": breath, "throat_clear": throat_clear, "sigh": sigh}


def render(kind: str, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """A sound of ``kind`` as float audio peaking at 0.9, with its rate."""
    audio = SOUNDS[kind](rng)
    peak = float(np.max(np.abs(audio))) or 1.0
    return (0.9 * audio / peak).astype(np.float32), RATE
