"""OpenTelemetry metrics of every call: turn latency histograms, interruptions, errors, tool
calls and active calls.

``Instruments`` are made once per meter; ``CallMetrics`` records one call's events on them with
low-cardinality attributes (agent, transport). Names:

- ``vocalis.turn.e2e_latency``, ``.stt_final_delay``, ``.eou_delay``, ``.llm_ttft``,
  ``.tts_ttfb`` (histograms, ms);
- ``vocalis.turns``, ``vocalis.interruptions`` (``vocalis.kind``), ``vocalis.errors``
  (``vocalis.error.source``, ``vocalis.error.recoverable``), ``vocalis.tool_calls``
  (``vocalis.tool.name``, ``vocalis.tool.error``) (counters);
- ``vocalis.tool.duration`` (histogram, ms), ``vocalis.calls.active`` (up-down counter).
"""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry.metrics import Counter, Histogram, Meter, UpDownCounter

from ..pipeline.events import (
    ErrorEvent,
    MetricsCollected,
    SessionEvent,
    ToolsExecuted,
)
from ..session.call_info import CallInfo
from .call_trace import INTERRUPTION_KINDS, LATENCY_ATTRIBUTES

LATENCY_BUCKETS_MS = (50, 100, 200, 300, 400, 500, 600, 800, 1000, 1250, 1500, 2000, 3000,
                      5000, 10000)


@dataclass
class Instruments:
    """The instruments of one meter."""

    latency: dict[str, Histogram]
    turns: Counter
    interruptions: Counter
    errors: Counter
    tool_calls: Counter
    tool_duration: Histogram
    active_calls: UpDownCounter

    @classmethod
    def create(cls, meter: Meter) -> Instruments:
        def histogram(name: str, description: str) -> Histogram:
            return meter.create_histogram(
                name, unit="ms", description=description,
                explicit_bucket_boundaries_advisory=LATENCY_BUCKETS_MS,
            )

        return cls(
            latency={
                name: histogram(f"vocalis.turn.{name.removesuffix('_ms')}",
                                f"Per turn: {name.removesuffix('_ms').replace('_', ' ')}")
                for name in LATENCY_ATTRIBUTES
            },
            turns=meter.create_counter("vocalis.turns", description="Agent utterances"),
            interruptions=meter.create_counter(
                "vocalis.interruptions",
                description="Barge-ins, false interruptions and backchannels"),
            errors=meter.create_counter("vocalis.errors", description="Session errors"),
            tool_calls=meter.create_counter("vocalis.tool_calls", description="Tool calls"),
            tool_duration=histogram("vocalis.tool.duration", "Tool call duration"),
            active_calls=meter.create_up_down_counter(
                "vocalis.calls.active", description="Calls in progress"),
        )


class CallMetrics:
    """Records one call's events on ``instruments``."""

    def __init__(self, instruments: Instruments, info: CallInfo) -> None:
        self.instruments = instruments
        self.attributes = {k: v for k, v in (("vocalis.agent", info.agent),
                                             ("vocalis.transport", info.transport)) if v}
        instruments.active_calls.add(1, self.attributes)
        self._ended = False

    def on_event(self, event: SessionEvent) -> None:
        instruments = self.instruments
        if isinstance(event, MetricsCollected):
            instruments.turns.add(1, self.attributes)
            for name, histogram in instruments.latency.items():
                value = getattr(event.metrics, name)
                if value is not None:
                    histogram.record(max(0.0, value), self.attributes)
        elif type(event) in INTERRUPTION_KINDS:
            instruments.interruptions.add(
                1, {**self.attributes, "vocalis.kind": INTERRUPTION_KINDS[type(event)]})
        elif isinstance(event, ErrorEvent):
            instruments.errors.add(1, {**self.attributes, "vocalis.error.source": event.source,
                                       "vocalis.error.recoverable": event.recoverable})
        elif isinstance(event, ToolsExecuted):
            call = event.summary()
            attributes = {**self.attributes, "vocalis.tool.name": call["name"],
                          "vocalis.tool.error": call["is_error"]}
            instruments.tool_calls.add(1, attributes)
            instruments.tool_duration.record(call["duration"] * 1000.0, attributes)

    def end(self) -> None:
        if not self._ended:
            self._ended = True
            self.instruments.active_calls.add(-1, self.attributes)

