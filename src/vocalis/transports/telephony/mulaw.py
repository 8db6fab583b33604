"""G.711 mu-law, the telephone codec, with numpy (``audioop`` is gone in Python 3.13).

``encode`` turns 16-bit PCM into one byte per sample, ``decode`` back; both follow ITU-T G.711
(bias 0x84, 14-bit magnitude clipped at 8159, bits inverted on the wire), so they match ``audioop.lin2ulaw`` and
``audioop.ulaw2lin``.
"""

from __future__ import annotations

import numpy as np

BIAS = 0x84
CLIP_14 = 8159
"""Clip level of the 14-bit magnitude the encoder works on (G.711's 32635 in 16 bits)."""
_SEGMENT_ENDS = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def _decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.uint8)
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = ((mantissa.astype(np.int32) << 3) + BIAS) << exponent.astype(np.int32)
    magnitude -= BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype("<i2")


_DECODE = _decode_table()


def decode(data: bytes) -> bytes:
    """mu-law bytes → 16-bit little-endian PCM (twice as many bytes)."""
    return _DECODE[np.frombuffer(data, dtype=np.uint8)].tobytes()


def encode(pcm: bytes) -> bytes:
    """16-bit little-endian PCM → mu-law bytes (one per sample), bit-exact with ``audioop``."""
    value = np.frombuffer(pcm, dtype="<i2").astype(np.int32) >> 2
    negative = value < 0
    magnitude = np.minimum(np.where(negative, -value, value), CLIP_14) + (BIAS >> 2)
    segment = np.searchsorted(_SEGMENT_ENDS, magnitude, side="left")
    code = (segment << 4) | ((magnitude >> np.minimum(segment + 1, 8)) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code)
    return (code ^ np.where(negative, 0x7F, 0xFF)).astype(np.uint8).tobytes()
