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

    def delay(self, probability: float | None, ending_confidence: float | None = None) -> float:
        """Seconds to wait, given the turn detector's probability (None: no detector) and the
        STT's confidence in the turn's last word (None: not scored)."""
        low, high = self.config.min_delay, self.config.max_delay
        trust = self._trust(ending_confidence)
        if probability is None and trust == 1.0:
            return low
        p = min(1.0, max(0.0, 1.0 if probability is None else probability)) * trust
        if self.config.mode == "ADAPTIVE":
            return low + (high - low) * (1.0 - p)
        return low if p >= self.threshold and trust == 1.0 else high

    def _trust(self, ending_confidence: float | None) -> float:
        """1.0 unless the STT doubted the last word; then its confidence over the floor."""
        floor = self.config.min_ending_confidence
        if ending_confidence is None or ending_confidence >= floor:
            return 1.0
        return max(0.0, ending_confidence) / floor
