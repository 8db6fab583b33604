"""``DelayStats``: the recent delays of the media hop, as percentiles.

A fixed ring of the last ``size`` samples (bounded memory however long the process runs);
one per direction per process: ``HOP_IN`` (front received the audio → worker hands it to the
session) and ``HOP_OUT`` (worker wrote agent audio → front hands it to the transport).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class DelayStats:
    """Recent delays in milliseconds (see the module docstring)."""

    def __init__(self, size: int = 4096) -> None:
        self._samples = np.zeros(size, dtype=np.float64)
        self._count = 0
        self.total = 0

    def add(self, seconds: float) -> None:
        self._samples[self._count % len(self._samples)] = seconds * 1000.0
        self._count += 1
        self.total += 1

    def snapshot(self) -> dict[str, Any]:
        """``{"count", "p50_ms", "p95_ms", "max_ms"}`` over the recent samples."""
        n = min(self._count, len(self._samples))
        if n == 0:
            return {"count": self.total, "p50_ms": None, "p95_ms": None, "max_ms": None}
        recent = self._samples[:n]
        p50, p95 = np.percentile(recent, [50, 95])
        return {"count": self.total, "p50_ms": round(float(p50), 3),
                "p95_ms": round(float(p95), 3), "max_ms": round(float(recent.max()), 3)}

    def reset(self) -> None:
        self._count = 0


HOP_IN = DelayStats()
HOP_OUT = DelayStats()


def hop_report() -> dict[str, Any]:
    """Both directions' figures for this process."""
    return {"hop_in": HOP_IN.snapshot(), "hop_out": HOP_OUT.snapshot()}
