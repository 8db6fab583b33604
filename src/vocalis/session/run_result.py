"""``RunResult``: what one text-mode turn produced, for testing an agent's logic without audio."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..llm.items import (
    AgentHandoff,
    ChatItem,
    ChatMessage,
    ChatRole,
    FunctionCall,
    FunctionCallOutput,
)

RunEventType = Literal["message", "function_call", "function_call_output", "agent_handoff"]


@dataclass
class RunEvent:
    """One item the turn produced, in order."""

    type: RunEventType
    item: Any


@dataclass
class RunResult:
    """The events of a turn: assistant messages, tool calls and outputs, handoffs."""

    user_input: str
    events: list[RunEvent] = field(default_factory=list)

    @property
    def final_output(self) -> str:
        """The text of the last assistant message, or "" when there is none."""
        for event in reversed(self.events):
            if event.type == "message":
                return event.item.text_content
        return ""

    @property
    def function_calls(self) -> list[FunctionCall]:
        return [e.item for e in self.events if e.type == "function_call"]

    @property
    def messages(self) -> list[ChatMessage]:
        return [e.item for e in self.events if e.type == "message"]


def event_for(item: ChatItem) -> RunEvent | None:
    """The run event for a chat item (user and system messages are not events)."""
    if isinstance(item, ChatMessage):
        if item.role is ChatRole.ASSISTANT:
            return RunEvent("message", item)
        return None
    if isinstance(item, FunctionCall):
        return RunEvent("function_call", item)
    if isinstance(item, FunctionCallOutput):
        return RunEvent("function_call_output", item)
    if isinstance(item, AgentHandoff):
        return RunEvent("agent_handoff", item)
    return None
