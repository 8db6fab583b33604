"""The interruption fade-out: pending speech dies away instead of being cut with a click.

The curve is the reference's exponential gain ``10^(-3t)`` for ``t`` from 0 to 1 over the
faded span (0 dB down to -60 dB), with the very last sample forced to zero.
"""

from __future__ import annotations

import numpy as np

from .frames import BytesLike, array_to_pcm, pcm_to_array, trim_partial_sample


def fade_out_gain(length: int) -> np.ndarray:
    """The fade's per-sample gain for ``length`` samples (float32, last value exactly 0)."""
    if length <= 0:
        return np.zeros(0, dtype=np.float32)
    t = np.linspace(0.0, 1.0, length, dtype=np.float32)
    gain = np.power(np.float32(10.0), -3.0 * t).astype(np.float32)
    gain[-1] = 0.0
    return gain


def apply_fade_out(pcm: BytesLike, channels: int = 1) -> bytes:
    """``pcm`` with the exponential fade applied over its whole length."""
    samples = pcm_to_array(trim_partial_sample(pcm, channels), channels)
    if samples.shape[0] == 0:
        return b""
    gain = fade_out_gain(samples.shape[0])
    if channels > 1:
        gain = gain[:, None]
    return array_to_pcm(samples.astype(np.float32) * gain)
