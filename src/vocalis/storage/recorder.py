"""``CallRecorder``: one call's session events, as call history rows.

It subscribes to the session's bus and turns each event into a ``Write`` handed to the writer
(which never blocks): the call row when it starts, the transcript with timestamps (the user's
committed turns, the agent's words as heard), every tool call with its arguments and result,
each turn's stage timings, errors, and timeline events (interruptions, handoffs, keypad
digits). Every piece of text goes through the redactor first. When the session closes the call
row is written again, complete (end, reason, counts, latency percentiles).
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable
from typing import Any

from ..metrics import TurnMetrics, percentile
from ..pipeline.events import (
    AgentHandoffEvent,
    AgentStateChanged,
    Backchannel,
    DtmfReceived,
    ErrorEvent,
    EventBus,
    FalseInterruption,
    HangupRequested,
    InputDropped,
    Interrupted,
    MetricsCollected,
    SessionClosed,
    ToolsExecuted,
    TranscriptReady,
    UserStateChanged,
    VoicemailResult,
)
from ..pipeline.states import UserState
from ..session.call_info import CallInfo
from .config import Redactor
from .redaction import redact_value
from .writes import Write

LIVE_LINES = 20
"""Transcript lines a live call keeps in memory for the dashboard."""

STAGES = ("user_speech_end", "vad_end_at", "stt_final_at", "committed_at", "llm_started_at",
          "llm_first_token_at", "tts_request_at", "tts_first_audio_at", "first_audio_out_at")


class CallRecorder:
    """Records one call; ``attach`` it to the session's bus before the session starts."""

    def __init__(
        self,
        info: CallInfo,
        submit: Callable[[Write], None],
        *,
        redact: Redactor | None = None,
        end_reason: Callable[[], str] | None = None,
        on_closed: Callable[[CallRecorder], None] | None = None,
    ) -> None:
        self.info = info
        self._submit = submit
        self._redact = redact
        self._end_reason = end_reason
        self._on_closed = on_closed
        self._seq = itertools.count(1)
        self._bus: EventBus | None = None
        self._user_started: float | None = None
        self._dropped: dict[str, float] = {}
        self.agent = info.agent
        self.agent_state = ""
        self.user_state = ""
        self.turns = 0
        self.interruptions = 0
        self.tool_calls = 0
        self.errors = 0
        self.e2e_ms: list[float] = []
        self.lines: deque[dict[str, Any]] = deque(maxlen=LIVE_LINES)
        self.closed = False

    # ---- wiring ------------------------------------------------------------------------------

    def attach(self, bus: EventBus) -> CallRecorder:
        """Subscribe to ``bus`` and write the call's first row."""
        self._bus = bus
        for event_type, handler in self._handlers():
            bus.subscribe(event_type, handler)
        self._write("calls", self._call_row(status="live"))
        return self

    def _handlers(self) -> list[tuple[type, Callable[[Any], None]]]:
        return [
            (AgentStateChanged, self._on_agent_state), (UserStateChanged, self._on_user_state),
            (TranscriptReady, self._on_user_turn), (MetricsCollected, self._on_metrics),
            (ToolsExecuted, self._on_tool), (ErrorEvent, self._on_error),
            (Interrupted, self._on_interrupted), (FalseInterruption, self._on_event),
            (Backchannel, self._on_event), (AgentHandoffEvent, self._on_handoff),
            (DtmfReceived, self._on_event), (HangupRequested, self._on_event),
            (VoicemailResult, self._on_event), (InputDropped, self._on_dropped),
            (SessionClosed, self._on_closed_event),
        ]

    def _detach(self) -> None:
        if self._bus is not None:
            for event_type, handler in self._handlers():
                self._bus.unsubscribe(event_type, handler)
            self._bus = None

    # ---- what the live view reads ------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The call as it is now (for the dashboard's live list)."""
        return {
            "id": self.info.id, "started_at": self.info.started_at,
            "transport": self.info.transport, "agent": self.agent,
            "room_id": self.info.room_id, "agent_state": self.agent_state,
            "user_state": self.user_state, "turn_count": self.turns,
            "interruption_count": self.interruptions, "tool_call_count": self.tool_calls,
            "error_count": self.errors, "last_e2e_ms": self.e2e_ms[-1] if self.e2e_ms else None,
            "lines": list(self.lines),
        }

    # ---- events ------------------------------------------------------------------------------

    def _on_agent_state(self, event: AgentStateChanged) -> None:
        self.agent_state = event.state.value

    def _on_user_state(self, event: UserStateChanged) -> None:
        self.user_state = event.state.value
        if event.state is UserState.SPEAKING and self._user_started is None:
            self._user_started = self.info.wall_now()

    def _on_user_turn(self, event: TranscriptReady) -> None:
        ended = self.info.wall(event.speech_end_at) or self.info.wall_now()
        started, self._user_started = self._user_started, None
        self._line("user", event.text, started, ended, interrupted=False, turn_id=None)

    def _on_metrics(self, event: MetricsCollected) -> None:
        metrics = event.metrics
        ended = self.info.wall_now()
        self.turns += 1
        if metrics.e2e_latency_ms is not None:
            self.e2e_ms.append(metrics.e2e_latency_ms)
        if metrics.agent_text:
            started = self.info.wall(metrics.first_audio_out_at or metrics.llm_first_token_at
                                     or metrics.committed_at)
            self._line("agent", metrics.agent_text, started, ended,
                       interrupted=metrics.interrupted, turn_id=metrics.turn_id)
        self._write("turns", {
            "turn_id": metrics.turn_id,
            "started_at": self.info.wall(metrics.user_speech_end or metrics.committed_at),
            "ended_at": ended,
            "user_text": self._text(metrics.user_text),
            "agent_text": self._text(metrics.agent_text),
            "interrupted": metrics.interrupted,
            "e2e_latency_ms": metrics.e2e_latency_ms,
            "stt_final_delay_ms": metrics.stt_final_delay_ms,
            "eou_delay_ms": metrics.eou_delay_ms,
            "llm_ttft_ms": metrics.llm_ttft_ms,
            "tts_ttfb_ms": metrics.tts_ttfb_ms,
            "stages": self._stages(metrics, ended),
        })

    def _stages(self, metrics: TurnMetrics, ended: float) -> dict[str, Any]:
        stages: dict[str, Any] = {name: self.info.wall(getattr(metrics, name)) for name in STAGES}
        stages["ended_at"] = ended
        stages["eou_probability"] = metrics.eou_probability
        stages["preemptive"] = metrics.preemptive
        stages["tools"] = [
            {"name": t.name, "duration_ms": t.duration_ms, "is_error": t.is_error}
            for t in metrics.tools
        ]
        stages["usage"] = _jsonable(metrics.usage)
        return stages

    def _on_tool(self, event: ToolsExecuted) -> None:
        call = event.summary()
        ended = self.info.wall_now()
        self.tool_calls += 1
        self._write("tool_calls", {
            "name": call["name"],
            "tool_call_id": call["call_id"],
            "arguments": redact_value(_parse_arguments(call["arguments"]), self._redact),
            "result": self._text(call["output"]),
            "is_error": call["is_error"],
            "started_at": ended - call["duration"],
            "duration_ms": round(call["duration"] * 1000.0, 3),
        })

    def _on_error(self, event: ErrorEvent) -> None:
        self.errors += 1
        self._write("errors", {"at": self.info.wall_now(), "source": event.source,
                               "message": self._text(event.error),
                               "recoverable": event.recoverable})

    def _on_interrupted(self, event: Interrupted) -> None:
        self.interruptions += 1
        self._on_event(event)

    def _on_handoff(self, event: AgentHandoffEvent) -> None:
        self.agent = event.to_agent
        self._on_event(event)

    def _on_event(self, event: Any) -> None:
        payload = event.payload()
        data = redact_value(_jsonable(payload), self._redact) if payload else None
        self._write("events", {"at": self.info.wall_now(), "kind": event.name, "data": data})

    def _on_dropped(self, event: InputDropped) -> None:
        self._dropped[event.stage] = self._dropped.get(event.stage, 0.0) + event.seconds

    def _on_closed_event(self, event: SessionClosed) -> None:
        self.finish(self._end_reason() if self._end_reason is not None else "closed")

    # ---- rows --------------------------------------------------------------------------------

    def finish(self, end_reason: str) -> None:
        """The call is over: write its complete row and stop listening (idempotent)."""
        if self.closed:
            return
        self.closed = True
        self._detach()
        row = self._call_row(status="ended")
        row.update(ended_at=self.info.wall_now(), end_reason=end_reason[:200] or "closed")
        self._write("calls", row, upsert=True)
        if self._on_closed is not None:
            self._on_closed(self)

    def _call_row(self, *, status: str) -> dict[str, Any]:
        info = dict(self.info.info)
        if self._dropped:
            info["input_dropped_s"] = {k: round(v, 3) for k, v in self._dropped.items()}
        return {
            "id": self.info.id, "started_at": self.info.started_at, "status": status,
            "transport": self.info.transport, "room_id": self.info.room_id,
            "participant": self._text(self.info.participant), "agent": self.agent,
            "pipeline_mode": self.info.pipeline_mode,
            "trace_id": self.info.trace_id,
            "recording_url": self.info.recording_url,
            "info": redact_value(_jsonable(info), self._redact),
            "turn_count": self.turns, "interruption_count": self.interruptions,
            "tool_call_count": self.tool_calls, "error_count": self.errors,
            "e2e_p50_ms": _round(percentile(self.e2e_ms, 50)),
            "e2e_p95_ms": _round(percentile(self.e2e_ms, 95)),
        }

    def _line(self, role: str, text: str, started: float | None, ended: float, *,
              interrupted: bool, turn_id: int | None) -> None:
        line = {"role": role, "text": self._text(text), "started_at": started,
                "ended_at": ended, "interrupted": interrupted, "turn_id": turn_id}
        self.lines.append(line)
        self._write("transcript", line)

    def _text(self, text: str | None) -> str | None:
        if text is None:
            return None
        text = text.replace("\x00", "")  # PostgreSQL text cannot hold NUL
        return self._redact(text) if self._redact is not None else text

    def _write(self, table: str, row: dict[str, Any], *, upsert: bool = False) -> None:
        if table != "calls":
            row = {"call_id": self.info.id, "seq": next(self._seq), **row}
        self._submit(Write(table, row, upsert))


def _parse_arguments(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            return {"_raw": arguments}
    return _jsonable(arguments)


def _jsonable(value: Any) -> Any:
    """``value`` as JSON-compatible data (unknown objects become their text)."""
    return json.loads(json.dumps(value, default=str))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
