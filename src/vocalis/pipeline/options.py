"""``ReplyOptions``: how the agent's replies are produced, each default written once with why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_TOOL_STEPS = 5
"""LLM steps that may call tools in one reply; the step after them must answer in words."""

DEFAULT_LLM_ERROR_MESSAGE = "Sorry, I'm having trouble answering right now. Could you say that again?"
"""Spoken when the LLM fails or hangs before the user heard anything, so they are never left in
silence (set ``llm_error_message=None`` to stay silent)."""


@dataclass
class ReplyOptions:
    """Bounds and fallbacks of the thinking stage."""

    max_tool_steps: int = DEFAULT_MAX_TOOL_STEPS
    context_window: Any = None
    """A ``ContextWindow`` that trims or summarizes the history before each reply."""
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
        for name in ("first_token_timeout", "stall_timeout"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be > 0 or None")
