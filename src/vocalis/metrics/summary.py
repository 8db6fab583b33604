"""Per-session aggregation of turn metrics: counts and latency percentiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .turn import TurnMetrics


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) by linear interpolation; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass
class SessionMetrics:
    """Everything measured in one session."""

    turns: list[TurnMetrics] = field(default_factory=list)
    interruptions: int = 0
    false_interruptions: int = 0
    backchannels: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    input_dropped_s: dict[str, float] = field(default_factory=dict)
    """Seconds of user audio each input stage dropped because it fell behind."""

    def summary(self) -> dict[str, Any]:
        def stat(name: str) -> dict[str, float | None]:
            values = [v for t in self.turns if (v := getattr(t, name)) is not None]
            return {"p50": percentile(values, 50), "p95": percentile(values, 95)}

        return {
            "turns": len(self.turns),
            "interruptions": self.interruptions,
            "false_interruptions": self.false_interruptions,
            "backchannels": self.backchannels,
            "errors": len(self.errors),
            "input_dropped_s": dict(self.input_dropped_s),
            "tool_calls": sum(len(t.tools) for t in self.turns),
            "e2e_latency_ms": stat("e2e_latency_ms"),
            "stt_final_delay_ms": stat("stt_final_delay_ms"),
            "eou_delay_ms": stat("eou_delay_ms"),
            "llm_ttft_ms": stat("llm_ttft_ms"),
            "tts_ttfb_ms": stat("tts_ttfb_ms"),
        }
