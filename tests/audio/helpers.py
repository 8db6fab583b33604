"""Signal helpers shared by the audio tests."""

import numpy as np


def sine_pcm(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> bytes:
    """A mono s16 sine tone."""
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * freq * t) * amplitude * 32767).astype("<i2").tobytes()


def constant_pcm(value: int, samples: int) -> bytes:
    """``samples`` s16 samples all equal to ``value``."""
    return np.full(samples, value, dtype="<i2").tobytes()


def dominant_frequency(pcm: bytes, rate: int) -> float:
    """The strongest frequency in ``pcm`` (Hz)."""
    data = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(data * np.hanning(len(data))))
    return float(np.fft.rfftfreq(len(data), 1 / rate)[int(np.argmax(spectrum))])
