"""``CallTrace``: one OpenTelemetry trace per call, built from the session's events.

The root span ``call`` lasts the whole call. Each finished agent utterance becomes a ``turn``
span with one child per stage that has both ends measured, placed at the measured times:

- ``user.speech``: the user's voice (first voiced audio to the end of speech);
- ``vad.end``: end of speech to the VAD deciding speech ended;
- ``stt.final``: end of speech to the final transcript;
- ``eou.decision``: end of speech to the turn being committed (the end-of-turn wait);
- ``llm.first_token``: the LLM request to its first token;
- ``tool.call``: each tool call (name, error);
- ``tts.first_byte``: the TTS request to its first audio;
- ``audio.first_out``: that audio reaching the transport (the output queue);
- ``agent.speech``: the agent's voice, first audio out to the end of the utterance;
- ``interruption``: the agent being cut off (from the stop to the end of the fade-out), a false
  interruption or a backchannel (``vocalis.kind``).

Spans are created when the turn's figures are known (its end), with explicit start and end
times, so nothing is added to the audio path. Errors and handoffs are events on ``call``.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode, Tracer

from ..metrics import TurnMetrics
from ..pipeline.events import (
    AgentHandoffEvent,
    Backchannel,
    ErrorEvent,
    FalseInterruption,
    Interrupted,
    MetricsCollected,
    SessionEvent,
    ToolsExecuted,
    UserStateChanged,
)
from ..pipeline.states import UserState
from ..session.call_info import CallInfo

STAGE_SPANS = (
    ("vad.end", "user_speech_end", "vad_end_at"),
    ("stt.final", "user_speech_end", "stt_final_at"),
    ("eou.decision", "user_speech_end", "committed_at"),
    ("llm.first_token", "llm_started_at", "llm_first_token_at"),
    ("tts.first_byte", "tts_request_at", "tts_first_audio_at"),
    ("audio.first_out", "tts_first_audio_at", "first_audio_out_at"),
)
LATENCY_ATTRIBUTES = ("e2e_latency_ms", "stt_final_delay_ms", "eou_delay_ms", "llm_ttft_ms",
                      "tts_ttfb_ms")
INTERRUPTION_KINDS = {Interrupted: "interrupted", FalseInterruption: "false_interruption",
                      Backchannel: "backchannel"}
"""Interruption events by kind (a cut-off utterance's own span comes from its turn figures)."""


def _ns(wall: float) -> int:
    return int(wall * 1e9)


class CallTrace:
    """The spans of one call; feed it the session's events with ``on_event``."""

    def __init__(self, tracer: Tracer, info: CallInfo) -> None:
        self.tracer = tracer
        self.info = info
        self.span = tracer.start_span(
            "call", start_time=_ns(info.started_at), kind=trace.SpanKind.SERVER,
            attributes=_clean({
                "vocalis.call.id": info.id, "vocalis.transport": info.transport,
                "vocalis.room_id": info.room_id, "vocalis.agent": info.agent,
                "vocalis.pipeline_mode": info.pipeline_mode,
            }),
        )
        self.context = trace.set_span_in_context(self.span)
        self._user_started: float | None = None
        self._marks: list[tuple[str, float, float, dict[str, Any]]] = []
        self._turns = 0
        self._ended = False

    @property
    def trace_id(self) -> str:
        return format(self.span.get_span_context().trace_id, "032x")

    def on_event(self, event: SessionEvent) -> None:
        if isinstance(event, UserStateChanged):
            if event.state is UserState.SPEAKING and self._user_started is None:
                self._user_started = self.info.wall_now()
        elif isinstance(event, MetricsCollected):
            self._turn(event.metrics)
        elif isinstance(event, ToolsExecuted):
            call = event.summary()
            end = self.info.wall_now()
            self._marks.append(("tool.call", end - call["duration"], end, {
                "vocalis.tool.name": call["name"], "vocalis.tool.error": call["is_error"]}))
        elif type(event) in INTERRUPTION_KINDS and not isinstance(event, Interrupted):
            at = self.info.wall_now()
            self._marks.append(("interruption", at, at,
                                {"vocalis.kind": INTERRUPTION_KINDS[type(event)]}))
        elif isinstance(event, ErrorEvent):
            self.span.add_event("error", _clean({
                "vocalis.error.source": event.source, "vocalis.error.message": event.error,
                "vocalis.error.recoverable": event.recoverable,
            }), timestamp=_ns(self.info.wall_now()))
            if not event.recoverable:
                self.span.set_status(Status(StatusCode.ERROR, f"{event.source}: {event.error}"))
        elif isinstance(event, AgentHandoffEvent):
            self.span.add_event("handoff", {"vocalis.from": event.from_agent,
                                            "vocalis.to": event.to_agent},
                                timestamp=_ns(self.info.wall_now()))

    def _turn(self, metrics: TurnMetrics) -> None:
        end = self.info.wall_now()
        wall = self.info.wall
        user_started = self._user_started if metrics.user_text else None
        if metrics.user_text:
            self._user_started = None
        begin = min(v for v in (user_started, wall(metrics.user_speech_end),
                                wall(metrics.committed_at), wall(metrics.llm_started_at), end)
                    if v is not None)
        self._turns += 1
        attributes: dict[str, Any] = {
            "vocalis.turn.id": metrics.turn_id, "vocalis.turn.interrupted": metrics.interrupted,
            "vocalis.turn.preemptive": metrics.preemptive,
            "vocalis.turn.answers_user": bool(metrics.user_text),
            "vocalis.eou.probability": metrics.eou_probability,
        }
        for name in LATENCY_ATTRIBUTES:
            attributes[f"vocalis.latency.{name}"] = getattr(metrics, name)
        usage = metrics.usage or {}
        attributes["gen_ai.usage.input_tokens"] = usage.get("prompt_tokens")
        attributes["gen_ai.usage.output_tokens"] = usage.get("completion_tokens")
        turn = self.tracer.start_span("turn", context=self.context, start_time=_ns(begin),
                                      attributes=_clean(attributes))
        parent = trace.set_span_in_context(turn)
        if user_started is not None and metrics.user_speech_end is not None:
            self._child("user.speech", parent, user_started, wall(metrics.user_speech_end))
        for name, start, stop in STAGE_SPANS:
            self._child(name, parent, wall(getattr(metrics, start)), wall(getattr(metrics, stop)))
        if metrics.first_audio_out_at is not None:
            self._child("agent.speech", parent, wall(metrics.first_audio_out_at), end)
        if metrics.interrupted_at is not None:
            self._child("interruption", parent, wall(metrics.interrupted_at), end,
                        {"vocalis.kind": "interrupted"})
        for name, start_at, end_at, attrs in self._marks:
            self._child(name, parent, start_at, end_at, attrs)
        self._marks.clear()
        turn.end(end_time=_ns(end))

    def _child(self, name: str, parent: Any, start: float | None, end: float | None,
               attributes: dict[str, Any] | None = None) -> None:
        if start is None or end is None:
            return
        span = self.tracer.start_span(name, context=parent, start_time=_ns(start),
                                      attributes=attributes)
        span.end(end_time=_ns(max(start, end)))

    def end(self, reason: str) -> None:
        """The call is over: marks not yet in a turn go under ``call``, which ends now."""
        if self._ended:
            return
        self._ended = True
        for name, start_at, end_at, attrs in self._marks:
            self._child(name, self.context, start_at, end_at, attrs)
        self._marks.clear()
        self.span.set_attribute("vocalis.call.turns", self._turns)
        self.span.set_attribute("vocalis.call.end_reason", reason)
        self.span.end(end_time=_ns(max(self.info.wall_now(), self.info.started_at)))


def _clean(attributes: dict[str, Any]) -> dict[str, Any]:
    """OpenTelemetry attributes take no None values."""
    return {k: v for k, v in attributes.items() if v is not None and v != ""}


