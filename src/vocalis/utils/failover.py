"""The provider failover policy shared by FallbackLLM, FallbackSTT and FallbackTTS.

A small generic object with no component imports: providers in priority order, temporary
cool-downs after failures, permanent disabling after repeated failures, latency-triggered
switching and recovery to a preferred provider. All timing reads ``vocalis.utils.clock.now``,
so tests run on virtual time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .clock import now

logger = logging.getLogger("vocalis.failover")

P = TypeVar("P")


@dataclass
class ProviderHealth:
    """What the policy knows about one provider."""

    failures: int = 0
    disabled_until: float | None = None
    permanent: bool = False


class ProviderFailover(Generic[P]):
    """Chooses the provider to use, given failures and latency reports.

    A failure disables a provider for ``temporary_disable_sec``; its
    ``permanent_disable_after_attempts``-th failure disables it for good. A failure reported
    while the provider is already cooling down refreshes the cool-down but does not count as a
    new attempt, so a burst of errors (an STT failing on every 20 ms frame) cannot disable a
    provider permanently in a fraction of a second. When every other provider is cooling down
    the policy still moves on to one of them: trying a resting provider beats giving up.
    """

    def __init__(
        self,
        providers: Sequence[P],
        *,
        temporary_disable_sec: float = 60.0,
        permanent_disable_after_attempts: int = 3,
        latency_threshold_ms: float | None = None,
        consecutive_latency_hits: int = 3,
        label: str = "provider",
    ) -> None:
        if not providers:
            raise ValueError(f"{label} failover needs at least one provider")
        if temporary_disable_sec < 0:
            raise ValueError("temporary_disable_sec must be >= 0")
        if permanent_disable_after_attempts < 1:
            raise ValueError("permanent_disable_after_attempts must be >= 1")
        if latency_threshold_ms is not None and latency_threshold_ms <= 0:
            raise ValueError("latency_threshold_ms must be > 0 or None")
        if consecutive_latency_hits < 1:
            raise ValueError("consecutive_latency_hits must be >= 1")
        self.providers: tuple[P, ...] = tuple(providers)
        self.temporary_disable_sec = temporary_disable_sec
        self.permanent_disable_after_attempts = permanent_disable_after_attempts
        self.latency_threshold_ms = latency_threshold_ms
        self.consecutive_latency_hits = consecutive_latency_hits
        self.label = label
        self._health = [ProviderHealth() for _ in self.providers]
        self._active = 0
        self._slow_hits = 0

    @property
    def active(self) -> P:
        """The provider currently selected."""
        return self.providers[self._active]

    @property
    def exhausted(self) -> bool:
        """True when every provider is permanently disabled."""
        return all(h.permanent for h in self._health)

    def health(self, provider: P) -> ProviderHealth:
        """The failure record of ``provider``."""
        return self._health[self._index(provider)]

    def is_usable(self, provider: P) -> bool:
        """Not permanently disabled and not cooling down."""
        return self._usable(self._index(provider))

    def record_failure(self, provider: P, reason: object = None) -> bool:
        """Disable ``provider`` (temporarily or for good); returns True if the active one changed."""
        index = self._index(provider)
        health = self._health[index]
        if health.permanent:
            return self._move_off(index) if index == self._active else False
        cooling = health.disabled_until is not None and now() < health.disabled_until
        if not cooling:
            health.failures += 1
        health.disabled_until = now() + self.temporary_disable_sec
        if health.failures >= self.permanent_disable_after_attempts:
            health.permanent = True
            logger.warning("%s %d permanently disabled after %d failures (%s)",
                           self.label, index, health.failures, reason)
        else:
            logger.warning("%s %d disabled for %.0f s (%s)",
                           self.label, index, self.temporary_disable_sec, reason)
        if index != self._active:
            return False
        return self._move_off(index)

    def record_latency(self, latency_ms: float, provider: P | None = None) -> bool:
        """Report a latency of the active provider; returns True if it caused a switch.

        ``consecutive_latency_hits`` measurements in a row above ``latency_threshold_ms``
        count as one failure. Reports about a provider that is no longer active are ignored.
        """
        if self.latency_threshold_ms is None:
            return False
        if provider is not None and provider is not self.active:
            return False
        if latency_ms <= self.latency_threshold_ms:
            self._slow_hits = 0
            return False
        self._slow_hits += 1
        if self._slow_hits < self.consecutive_latency_hits:
            return False
        self._slow_hits = 0
        return self.record_failure(self.active, f"latency {latency_ms:.0f} ms")

    def check_recovery(self) -> bool:
        """Go back to the best usable provider if it ranks above the active one (or the
        active one is unusable); returns True when the active provider changed."""
        best = next((i for i in range(len(self.providers)) if self._usable(i)), None)
        if best is None or best == self._active:
            return False
        if best < self._active or not self._usable(self._active):
            logger.info("%s %d recovered; switching back from %d", self.label, best, self._active)
            self._select(best)
            return True
        return False

    def _index(self, provider: P) -> int:
        for i, candidate in enumerate(self.providers):
            if candidate is provider:
                return i
        for i, candidate in enumerate(self.providers):
            if candidate == provider:
                return i
        raise ValueError(f"unknown {self.label}: {provider!r}")

    def _usable(self, index: int) -> bool:
        health = self._health[index]
        if health.permanent:
            return False
        return health.disabled_until is None or now() >= health.disabled_until

    def _move_off(self, index: int) -> bool:
        """Select the best other provider: usable first, else one that is only cooling down."""
        others = [i for i in range(len(self.providers)) if i != index]
        target = next((i for i in others if self._usable(i)), None)
        if target is None:
            target = next((i for i in others if not self._health[i].permanent), None)
        if target is None:
            return False
        self._select(target)
        return True

    def _select(self, index: int) -> None:
        self._active = index
        self._slow_hits = 0
