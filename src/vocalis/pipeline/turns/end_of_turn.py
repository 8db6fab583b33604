"""``EndOfTurnDelay``: how long after the user's last voiced audio to commit their turn."""

from __future__ import annotations

from ..config import EOUConfig

DEFAULT_THRESHOLD = 0.7
"""The reference's turn-detector threshold when the pipeline has no detector of its own."""


class EndOfTurnDelay:
    """Maps the turn detector's probability to a wait within ``EOUConfig``'s range.

    DEFAULT waits the minimum when the detector says the user is done (or when there is no
    detector) and the maximum otherwise; ADAPTIVE interpolates between them. When the STT was
    unsure of the turn's last word (below ``EOUConfig.min_ending_confidence``), "done" is not
    trusted: DEFAULT waits the maximum, ADAPTIVE scales the probability down by that doubt.
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

    def trusted(self, probability: float | None, ending_confidence: float | None) -> float | None:
        """The probability to wait by: the detector's, unless the STT's confidence in the turn's
        last word (None: not scored) is below the floor; then 0 in DEFAULT mode, and scaled
        down by that doubt in ADAPTIVE mode."""
        floor = self.config.min_ending_confidence
        if floor <= 0 or ending_confidence is None or ending_confidence >= floor:
            return probability
        if self.config.mode != "ADAPTIVE":
            return 0.0
        p = 1.0 if probability is None else min(1.0, max(0.0, probability))
        return p * max(0.0, ending_confidence) / floor
