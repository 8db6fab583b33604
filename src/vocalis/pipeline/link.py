"""``SessionLink``: the one contract between a session and its pipeline.

The session fills it once (its bus, its metrics, its agent, how to hand over to another agent);
the pipeline keeps it and gives the same object to every runtime it builds, so a rebuild
(``change_pipeline``, a mode change) keeps handoffs, metrics and subscribers. Nothing outside
the pipeline reaches into the runtime: it goes through the pipeline's methods.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..metrics import SessionMetrics
from .events import AgentStateChanged, ErrorEvent, EventBus, SessionEvent, UserStateChanged
from .states import AgentState, UserState

logger = logging.getLogger("vocalis.pipeline")

HandoffCallback = Callable[[Any, Any], Awaitable[None]]
"""``async hand_over(old_agent, new_agent)``: run by the pipeline when a tool returns an agent."""


def _never(value: Any) -> bool:
    return False


@dataclass
class SessionLink:
    """What the pipeline's runtime needs from the session that drives it."""

    bus: EventBus = field(default_factory=EventBus)
    metrics: SessionMetrics = field(default_factory=SessionMetrics)
    agent: Any = None
    is_agent: Callable[[Any], bool] = _never
    """Tells whether a tool's return value is an agent to hand the conversation to."""
    hand_over: HandoffCallback | None = None
    speak: bool = True
    """False during text-mode runs: utterances are recorded but not synthesized."""
    agent_state: AgentState | None = None
    user_state: UserState | None = None

    def set_agent_state(self, state: AgentState) -> None:
        """The agent's state (published only when it changes)."""
        if state is not self.agent_state:
            self.agent_state = state
            self.publish(AgentStateChanged(state))

    def set_user_state(self, state: UserState) -> None:
        """The user's state (published only when it changes)."""
        if state is not self.user_state:
            self.user_state = state
            self.publish(UserStateChanged(state))

    def publish(self, event: SessionEvent) -> None:
        self.bus.publish(event)

    def report_error(
        self, source: str, error: BaseException | str, *, recoverable: bool = True
    ) -> None:
        """Something failed: log it, count it in the metrics, publish an ``ErrorEvent``."""
        message = str(error) or type(error).__name__
        logger.warning("%s error: %s", source, message)
        self.metrics.errors.append({"source": source, "error": message})
        exception = error if isinstance(error, BaseException) else None
        self.publish(ErrorEvent(source, message, recoverable, exception))
