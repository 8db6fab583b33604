"""``ReplyOptions``: how the agent's replies are produced, each default written once with why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_TOOL_STEPS = 5
"""LLM steps that may call tools in one reply; the step after them must answer in words."""

DEFAULT_MAX_TOOL_CALLS = 10
"""Tool calls one reply may make in all (the reference's ``max_tool_calls_per_turn``)."""

DEFAULT_LLM_ERROR_MESSAGE = "Sorry, I'm having trouble answering right now. Could you say that again?"
"""Spoken when the LLM fails or hangs before the user heard anything, so they are never left in
silence (set ``llm_error_message=None`` to stay silent)."""


@dataclass
class ReplyOptions:
    """Bounds and fallbacks of the thinking stage."""

    max_tool_steps: int = DEFAULT_MAX_TOOL_STEPS
    context_window: Any = None
    """A ``ContextWindow`` that trims or summarizes the history before each reply."""
    max_tool_calls: int | None = None
    """Tool calls one reply may make in all; None takes the context window's
    ``max_tool_calls_per_turn`` (10 without one), as the reference does. Calls beyond it are
    not run, and the LLM is then asked to answer without tools."""
    first_token_timeout: float | None = 8.0
    """Seconds an LLM step may take to send anything; longer is a failure (then the apology,
    or the next provider of a ``FallbackLLM``). A caller waiting eight seconds has already
    wondered whether the line is dead."""
    stall_timeout: float | None = 10.0
    """Seconds an LLM may pause in the middle of an answer before it counts as failed."""
    llm_error_message: str | None = DEFAULT_LLM_ERROR_MESSAGE

    def __post_init__(self) -> None:
        if self.max_tool_steps < 0:
            raise ValueError("max_tool_steps must be >= 0")
        if self.max_tool_calls is not None and self.max_tool_calls < 0:
            raise ValueError("max_tool_calls must be >= 0 or None")
        for name in ("first_token_timeout", "stall_timeout"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be > 0 or None")

    @property
    def tool_call_limit(self) -> int:
        """The cap on tool calls per reply in effect (see ``max_tool_calls``)."""
        if self.max_tool_calls is not None:
            return self.max_tool_calls
        limit = getattr(self.context_window, "max_tool_calls_per_turn", None)
        return int(limit) if limit is not None else DEFAULT_MAX_TOOL_CALLS
