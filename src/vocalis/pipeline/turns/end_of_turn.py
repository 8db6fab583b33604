"""``EndOfTurnDelay``: how long after the user's last voiced audio to commit their turn."""

from __future__ import annotations

from ..config import EOUConfig

DEFAULT_THRESHOLD = 0.7
"""The reference's turn-detector threshold when the pipeline has no detector of its own."""


class EndOfTurnDelay:
    """Maps the turn detector's probability to a wait within ``EOUConfig``'s range.

    DEFAULT waits the minimum when the detector says the user is done (or when there is no
    detector) and the maximum otherwise; ADAPTIVE interpolates between them.
    """

    def __init__(self, config: EOUConfig, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.config = config
        self.threshold = threshold

    def delay(self, probability: float | None) -> float:
        """Seconds to wait, given the turn detector's probability (None: no detector)."""
        low, high = self.config.min_delay, self.config.max_delay
        if probability is None:
            return low
        p = min(1.0, max(0.0, probability))
        if self.config.mode == "ADAPTIVE":
            return low + (high - low) * (1.0 - p)
        return low if p >= self.threshold else high
