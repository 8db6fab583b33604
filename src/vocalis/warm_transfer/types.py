"""The reference's warm-transfer types: ``WarmTransferConfig``, ``SIPDestination``,
``WarmTransferPhase``, ``WarmTransferResult``, ``WarmTransferError``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class WarmTransferError(RuntimeError):
    """A warm transfer cannot be performed (not a SIP call, one already running) or failed."""


class WarmTransferPhase(str, Enum):
    """Where a warm transfer is; each change is a ``warm_transfer`` event."""

    STARTED = "started"
    SUMMARY_GENERATING = "summary_generating"
    SUMMARY_READY = "summary_ready"
    CALLER_ON_HOLD = "caller_on_hold"
    CONSULTATION_ROOM_CREATED = "consultation_room_created"
    SUPERVISOR_DIALED = "supervisor_dialed"
    SUPERVISOR_JOINED = "supervisor_joined"
    BRIEFING_STARTED = "briefing_started"
    BRIEFING_COMPLETE = "briefing_complete"
    CALL_SWITCHED = "call_switched"
    TRANSFER_COMPLETE = "transfer_complete"
    TRANSFER_CANCELLED = "transfer_cancelled"
    TRANSFER_FAILED = "transfer_failed"


@dataclass
class SIPDestination:
    """The supervisor to call. Self-hosted, ``sip_call_to`` (a SIP URI, or a user part that
    becomes ``sip:<it>``) is dialed from the agent's own SIP endpoint; ``routing_rule_id`` and
    ``sip_call_from`` (VideoSDK's trunk routing and caller ID) are kept for ported code, and
    ``extra_options["headers"]`` adds SIP headers to the INVITE."""

    routing_rule_id: str
    sip_call_to: str
    sip_call_from: str
    participant_display_name: str = "Supervisor"
    extra_options: dict[str, Any] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        to = self.sip_call_to.strip()
        return to if to.startswith(("sip:", "sips:")) else f"sip:{to}"


@dataclass
class WarmTransferConfig:
    """A warm transfer to a human: only ``destination`` is required (a ``SIPDestination``, or
    a SIP URI for short). ``summary_llm`` / ``summary_prompt`` shape the briefing summary (default:
    the session's LLM); ``briefing_pipeline_factory`` builds the briefing agent's pipeline
    (default: fresh instances of the session's component classes). The supervisor has
    ``supervisor_join_timeout`` seconds to answer and ``briefing_timeout`` to accept.
    ``hold_audio`` (Vocalis) is what the caller hears meanwhile (default: the bundled hold music).
    """

    destination: SIPDestination | str
    summary_llm: Any = None
    summary_prompt: str | None = None
    briefing_pipeline_factory: Callable[[], Any] | None = None
    supervisor_join_timeout: float = 120.0
    briefing_timeout: float = 180.0
    hold_audio: Any = None

    def __post_init__(self) -> None:
        if self.supervisor_join_timeout <= 0 or self.briefing_timeout <= 0:
            raise ValueError("supervisor_join_timeout and briefing_timeout must be > 0")

    @property
    def uri(self) -> str:
        if isinstance(self.destination, SIPDestination):
            return self.destination.uri
        to = str(self.destination).strip()
        return to if to.startswith(("sip:", "sips:")) else f"sip:{to}"


@dataclass
class WarmTransferResult:
    """What ``session.warm_transfer`` returns: whether the caller now talks to the supervisor,
    the last phase reached, the calls involved, the summary, and the error if any."""

    success: bool
    phase: WarmTransferPhase
    consultation_room_id: str | None
    supervisor_call_id: str | None
    switched_call_id: str | None
    summary: str
    error: str | None = None
