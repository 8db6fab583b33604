"""A fixed-capacity buffer of the most recent int16 samples: the detector's audio window."""

from __future__ import annotations

import numpy as np


class AudioRing:
    """Keeps the last ``capacity`` samples; older audio falls off the front."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, got {capacity}")
        self.capacity = capacity
        self._data = np.zeros(capacity, dtype=np.int16)
        self._size = 0
        self._end = 0  # index one past the newest sample

    def __len__(self) -> int:
        return self._size

    def append(self, samples: np.ndarray) -> None:
        """Add samples at the end, dropping the oldest beyond capacity."""
        samples = samples[-self.capacity :]
        n = len(samples)
        if n == 0:
            return
        first = min(n, self.capacity - self._end)
        self._data[self._end : self._end + first] = samples[:first]
        self._data[: n - first] = samples[first:]
        self._end = (self._end + n) % self.capacity
        self._size = min(self.capacity, self._size + n)

    def keep_last(self, count: int) -> None:
        """Forget all but the newest ``count`` samples."""
        self._size = min(self._size, max(0, count))

    def clear(self) -> None:
        self._size = 0

    def window(self) -> np.ndarray:
        """A copy of the buffered samples, oldest first."""
        start = self._end - self._size
        if start >= 0:
            return self._data[start : self._end].copy()
        return np.concatenate((self._data[start:], self._data[: self._end]))
