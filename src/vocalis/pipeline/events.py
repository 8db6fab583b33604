"""The session's events: typed objects emitted once, where they happen, on one bus.

Every event is a frozen dataclass with the reference's event name (``name``) and the payload
the reference gives string subscribers (``payload()``). ``EventBus`` delivers each event to
the subscribers of its class (and of its base classes: subscribe to ``SessionEvent`` to see
everything) and to the subscribers of its name, so ``session.on("agent_state_changed", cb)``
keeps working for code written against the reference.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from ..metrics import TurnMetrics
from ..utils.events import EventEmitter
from .states import AgentState, UserState

logger = logging.getLogger("vocalis.events")

E = TypeVar("E", bound="SessionEvent")


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """Base of every session event."""

    name: ClassVar[str] = "event"

    def payload(self) -> Any:
        """What a subscriber by name receives (the reference's payload)."""
        return {}


@dataclass(frozen=True, slots=True)
class AgentStateChanged(SessionEvent):
    name: ClassVar[str] = "agent_state_changed"
    state: AgentState

    def payload(self) -> Any:
        return {"state": self.state.value}


@dataclass(frozen=True, slots=True)
class UserStateChanged(SessionEvent):
    name: ClassVar[str] = "user_state_changed"
    state: UserState

    def payload(self) -> Any:
        return {"state": self.state.value}


@dataclass(frozen=True, slots=True)
class UserTranscript(SessionEvent):
    """What the STT heard: interim (``is_final=False``) or final text."""

    name: ClassVar[str] = "user_transcript"
    text: str
    is_final: bool
    confidence: float | None = None

    def payload(self) -> Any:
        return {"text": self.text, "is_final": self.is_final}


@dataclass(frozen=True, slots=True)
class TranscriptReady(SessionEvent):
    """A user turn was committed; ``speech_end_at`` is the clock reading of its last voice."""

    name: ClassVar[str] = "transcript_ready"
    text: str
    speech_end_at: float | None = None

    def payload(self) -> Any:
        return {"text": self.text, "speech_end_at": self.speech_end_at}


@dataclass(frozen=True, slots=True)
class AgentText(SessionEvent):
    """A sentence the agent is about to speak (after the ``llm`` hooks)."""

    name: ClassVar[str] = "agent_text"
    text: str

    def payload(self) -> Any:
        return {"text": self.text}


@dataclass(frozen=True, slots=True)
class ContentGenerated(SessionEvent):
    """The whole text of a finished reply."""

    name: ClassVar[str] = "content_generated"
    text: str

    def payload(self) -> Any:
        return {"text": self.text}


@dataclass(frozen=True, slots=True)
class SynthesisComplete(SessionEvent):
    """The agent finished speaking and nothing else is queued."""

    name: ClassVar[str] = "synthesis_complete"


@dataclass(frozen=True, slots=True)
class Interrupted(SessionEvent):
    """The agent's utterance was stopped (barge-in, ``interrupt()``, a new utterance)."""

    name: ClassVar[str] = "interrupted"
    utterance_id: str = ""


@dataclass(frozen=True, slots=True)
class FalseInterruption(SessionEvent):
    """The agent paused for user sound that carried no words, then resumed."""

    name: ClassVar[str] = "false_interruption"


@dataclass(frozen=True, slots=True)
class Backchannel(SessionEvent):
    """The user said "mm-hmm" (or laughed, coughed) over the agent, who went on."""

    name: ClassVar[str] = "backchannel"
    text: str = ""

    def payload(self) -> Any:
        return {"text": self.text}


@dataclass(frozen=True, slots=True)
class MetricsCollected(SessionEvent):
    """The figures of one finished agent utterance (``TurnMetrics``)."""

    name: ClassVar[str] = "metrics_collected"
    metrics: TurnMetrics

    def payload(self) -> Any:
        return self.metrics


@dataclass(frozen=True, slots=True)
class ToolsExecuted(SessionEvent):
    """A tool call finished; ``outcome`` is a ``ToolOutcome`` (or the realtime model's dict)."""

    name: ClassVar[str] = "function_tools_executed"
    outcome: Any

    def payload(self) -> Any:
        return self.outcome

    def summary(self) -> dict[str, Any]:
        """``name``, ``call_id``, ``arguments``, ``output``, ``is_error`` and ``duration``
        (seconds; 0 when unknown) of the call, whichever kind of outcome it is."""
        outcome = self.outcome
        if isinstance(outcome, dict):
            return {
                "name": str(outcome.get("name", "")), "call_id": outcome.get("call_id"),
                "arguments": outcome.get("arguments"), "output": str(outcome.get("output", "")),
                "is_error": bool(outcome.get("is_error", False)),
                "duration": float(outcome.get("duration", 0.0) or 0.0),
            }
        call = outcome.call
        return {"name": call.name, "call_id": call.call_id, "arguments": call.arguments,
                "output": outcome.output, "is_error": outcome.is_error,
                "duration": outcome.duration}


@dataclass(frozen=True, slots=True)
class ErrorEvent(SessionEvent):
    """Something failed; ``recoverable`` says whether the session goes on as before."""

    name: ClassVar[str] = "error"
    source: str
    error: str
    recoverable: bool = True
    exception: BaseException | None = field(default=None, compare=False, repr=False)

    def payload(self) -> Any:
        return {"source": self.source, "error": self.error, "recoverable": self.recoverable}


@dataclass(frozen=True, slots=True)
class AgentHandoffEvent(SessionEvent):
    """The conversation passed from one agent to another."""

    name: ClassVar[str] = "agent_handoff"
    from_agent: str
    to_agent: str

    def payload(self) -> Any:
        return {"from": self.from_agent, "to": self.to_agent}


@dataclass(frozen=True, slots=True)
class InputDropped(SessionEvent):
    """An input stage fell behind and dropped its oldest audio (counted in the metrics)."""

    name: ClassVar[str] = "input_dropped"
    stage: str
    seconds: float

    def payload(self) -> Any:
        return {"stage": self.stage, "seconds": self.seconds}


@dataclass(frozen=True, slots=True)
class UserActivity(SessionEvent):
    """The user or the agent did something (restarts the wake-up timer)."""

    name: ClassVar[str] = "activity"


@dataclass(frozen=True, slots=True)
class RealtimeTranscription(SessionEvent):
    """A realtime model's transcript (``{"role", "text", "is_final"}``)."""

    name: ClassVar[str] = "realtime_model_transcription"
    data: dict[str, Any]

    def payload(self) -> Any:
        return self.data


@dataclass(frozen=True, slots=True)
class RealtimeFunctionExecuted(SessionEvent):
    """A tool the realtime model called ran (``{"name", "arguments", "call_id", "output"}``)."""

    name: ClassVar[str] = "realtime_model_function_executed"
    data: dict[str, Any]

    def payload(self) -> Any:
        return self.data


@dataclass(frozen=True, slots=True)
class VoicemailResult(SessionEvent):
    """The voicemail check of an outbound call ran (``VoiceMailDetector``)."""

    name: ClassVar[str] = "voicemail_result"
    is_voicemail: bool

    def payload(self) -> Any:
        return {"is_voicemail": self.is_voicemail}


@dataclass(frozen=True, slots=True)
class RecordingStarted(SessionEvent):
    """The call's recording began (``path``: the audio file)."""

    name: ClassVar[str] = "recording_started"
    path: str

    def payload(self) -> Any:
        return {"status": "started", "path": self.path}


@dataclass(frozen=True, slots=True)
class RecordingStopped(SessionEvent):
    """The call's recording ended and its file is complete."""

    name: ClassVar[str] = "recording_stopped"
    path: str
    duration: float

    def payload(self) -> Any:
        return {"status": "stopped", "path": self.path, "duration": self.duration}


@dataclass(frozen=True, slots=True)
class RecordingFailed(SessionEvent):
    """The recording could not start or stopped on an error (the call goes on)."""

    name: ClassVar[str] = "recording_failed"
    path: str
    error: str

    def payload(self) -> Any:
        return {"status": "failed", "path": self.path, "error": self.error}


@dataclass(frozen=True, slots=True)
class WarmTransferUpdate(SessionEvent):
    """A warm transfer reached ``phase`` (a ``WarmTransferPhase``), as in the reference."""

    name: ClassVar[str] = "warm_transfer"
    phase: Any
    data: dict[str, Any]
    timestamp: float
    consultation_room_id: str | None = None

    def payload(self) -> Any:
        return {"phase": self.phase, "data": self.data, "timestamp": self.timestamp,
                "consultation_room_id": self.consultation_room_id}


@dataclass(frozen=True, slots=True)
class VoicemailBeep(SessionEvent):
    """An answering machine's tone ended (``BeepDetector``): time to leave the message."""

    name: ClassVar[str] = "voicemail_beep"
    frequency: float
    duration: float

    def payload(self) -> Any:
        return {"frequency": self.frequency, "duration": self.duration}


@dataclass(frozen=True, slots=True)
class DtmfReceived(SessionEvent):
    """The caller pressed a key."""

    name: ClassVar[str] = "dtmf"
    digit: str

    def payload(self) -> Any:
        return {"digit": self.digit}


@dataclass(frozen=True, slots=True)
class HangupRequested(SessionEvent):
    """``session.hangup(reason)`` was called: the transport ends the call."""

    name: ClassVar[str] = "hangup"
    reason: str

    def payload(self) -> Any:
        return {"reason": self.reason}


@dataclass(frozen=True, slots=True)
class SessionClosed(SessionEvent):
    """The session ended; transports close their connection."""

    name: ClassVar[str] = "close"


Handler = Callable[..., Any]


class EventBus(EventEmitter[str]):
    """One per session: typed subscribers by event class, reference subscribers by name.

    ``emit(name, payload)`` (the reference's API) still works for events user code makes up.
    A failing handler is logged and never reaches the code that published the event.
    """

    def __init__(self) -> None:
        super().__init__()
        self._typed: dict[type[SessionEvent], list[Handler]] = {}

    def subscribe(self, key: str | type[E], handler: Handler) -> Handler:
        """Call ``handler`` for every event of class ``key`` (or named ``key``)."""
        if isinstance(key, str):
            return self.on(key, handler)
        handlers = self._typed.setdefault(key, [])
        if handler not in handlers:
            handlers.append(handler)
        return handler

    def unsubscribe(self, key: str | type[SessionEvent], handler: Handler) -> None:
        if isinstance(key, str):
            self.off(key, handler)
            return
        handlers = self._typed.get(key)
        if handlers and handler in handlers:
            handlers.remove(handler)

    def publish(self, event: SessionEvent) -> None:
        """Deliver ``event`` to its typed subscribers, then to the subscribers of its name."""
        for cls in type(event).__mro__:
            for handler in list(self._typed.get(cls, ())):  # type: ignore[arg-type]
                try:
                    handler(event)
                except Exception:
                    logger.exception("handler of %s raised", type(event).__name__)
            if cls is SessionEvent:
                break
        if self.has_listeners(event.name):
            self.emit(event.name, event.payload())
