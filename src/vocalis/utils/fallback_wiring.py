"""The provider side of FallbackLLM, FallbackSTT and FallbackTTS, in one place.

``FallbackProviders`` wraps a ``ProviderFailover`` with what every fallback wrapper does
around it: listen to the active provider's events only, report each provider error once
(after any switch it caused), switch after failures and slow responses, name every cause
when all providers failed, and close every provider. It knows no component type.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from .failover import ProviderFailover

Handler = Callable[..., Any]


class Provider(Protocol):
    """What the wiring needs of a provider: a label, events and ``aclose``."""

    @property
    def label(self) -> str: ...

    def on(self, event: Any, callback: Handler | None = None) -> Any: ...

    def off(self, event: Any, callback: Handler) -> None: ...

    async def aclose(self) -> None: ...


P = TypeVar("P", bound=Provider)


class FallbackProviders(Generic[P]):
    """Providers in priority order, wired to the wrapper that stands in for them.

    ``emit`` is the wrapper's own emitter: provider "error" events (and the events named in
    ``forwarded``) reach the wrapper's listeners through it, from the active provider only.
    ``on_switch`` runs after every change of active provider, once listeners moved to it.
    ``error`` builds the exception raised when every provider failed within one request.
    """

    def __init__(
        self,
        providers: Sequence[P],
        *,
        kind: str,
        emit: Callable[..., None],
        error: Callable[[str], Exception],
        logger: logging.Logger,
        on_switch: Callable[[], None] | None = None,
        forwarded: Sequence[str] = (),
        temporary_disable_sec: float = 60.0,
        permanent_disable_after_attempts: int = 3,
        latency_threshold_ms: float | None = None,
        consecutive_latency_hits: int = 3,
    ) -> None:
        self.providers: list[P] = list(providers)
        self.failover: ProviderFailover[P] = ProviderFailover(
            self.providers,
            temporary_disable_sec=temporary_disable_sec,
            permanent_disable_after_attempts=permanent_disable_after_attempts,
            latency_threshold_ms=latency_threshold_ms,
            consecutive_latency_hits=consecutive_latency_hits,
            label=kind,
        )
        self.kind = kind
        self._emit = emit
        self._error = error
        self._logger = logger
        self._on_switch = on_switch
        self._listeners: dict[str, Handler] = {"error": self._on_provider_error}
        for event in forwarded:
            self._listeners[event] = self._forwarder(event)
        self._listening: P | None = None
        self._last_reported: BaseException | None = None
        self._attach()

    @property
    def active(self) -> P:
        """The provider in use."""
        return self.failover.active

    def check_recovery(self) -> None:
        """Go back to a preferred provider that has rested, if any."""
        if self.failover.check_recovery():
            self._switched()

    def record_latency(self, latency_ms: float, provider: P) -> bool:
        """Report a latency of ``provider``; returns True if it caused a switch."""
        if self.failover.record_latency(latency_ms, provider):
            self._switched()
            return True
        return False

    def next_provider(self, failures: list[tuple[P, BaseException]]) -> P:
        """The provider to try next in this request; raises ``error`` when none is left."""
        provider = self.failover.active
        if self.failover.exhausted or any(p is provider for p, _ in failures):
            causes = "; ".join(f"{p.label}: {e!r}" for p, e in failures) or "all disabled"
            error = self._error(f"All {self.kind} providers failed ({causes})")
            if failures:
                raise error from failures[-1][1]
            raise error
        return provider

    def provider_failed(
        self, provider: P, exc: BaseException, failures: list[tuple[P, BaseException]]
    ) -> None:
        """Record a failed attempt of this request, switch if it was the active provider,
        and report the error."""
        failures.append((provider, exc))
        self._logger.warning("%s provider %s failed: %s", self.kind, provider.label, exc)
        if provider is self.failover.active and self.failover.record_failure(provider, exc):
            self._switched()
        self._report(exc)

    async def aclose(self) -> None:
        """Stop listening, then close every provider (errors are logged, not raised)."""
        self._detach()
        for provider in self.providers:
            try:
                await provider.aclose()
            except Exception:
                self._logger.exception("closing %s provider %s failed", self.kind, provider.label)

    def _attach(self) -> None:
        """Listen to the active provider only."""
        active = self.failover.active
        if self._listening is active:
            return
        self._detach()
        for event, handler in self._listeners.items():
            active.on(event, handler)
        self._listening = active

    def _detach(self) -> None:
        if self._listening is not None:
            for event, handler in self._listeners.items():
                self._listening.off(event, handler)
            self._listening = None

    def _switched(self) -> None:
        self._attach()
        if self._on_switch is not None:
            self._on_switch()

    def _forwarder(self, event: str) -> Handler:
        def forward(*args: Any) -> None:
            self._emit(event, *args)

        return forward

    def _on_provider_error(self, error: Any) -> None:
        provider = self._listening
        if (
            provider is not None
            and provider is self.failover.active
            and self.failover.record_failure(provider, error)
        ):
            self._switched()
        self._report(error)

    def _report(self, error: Any) -> None:
        """Emit a provider error on the wrapper once, even if it arrives twice."""
        if error is self._last_reported and error is not None:
            return
        if isinstance(error, BaseException):
            self._last_reported = error
        self._emit("error", error)
