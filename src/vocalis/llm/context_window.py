"""``ContextWindow``: the policy that keeps a conversation within its budget.

Run before each LLM call: summarize old turns when over budget, then truncate what is
still too long. Summary failures are logged and never break the turn.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .llm import LLM

if TYPE_CHECKING:
    from .chat_context import ChatContext

logger = logging.getLogger(__name__)


class ContextWindow:
    """Budget of a conversation in estimated tokens and/or items.

    ``max_tool_calls_per_turn`` is kept for compatibility with the reference; the tool loop
    of the pipeline enforces it.
    """

    def __init__(
        self,
        *,
        max_tokens: int | None = None,
        max_context_items: int | None = None,
        keep_recent_turns: int = 3,
        max_tool_calls_per_turn: int = 10,
        summary_llm: LLM | None = None,
    ) -> None:
        for name, value in (("max_tokens", max_tokens), ("max_context_items", max_context_items)):
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1 or None, got {value}")
        if keep_recent_turns < 0:
            raise ValueError(f"keep_recent_turns must be >= 0, got {keep_recent_turns}")
        if max_tool_calls_per_turn < 1:
            raise ValueError(f"max_tool_calls_per_turn must be >= 1, got {max_tool_calls_per_turn}")
        self.max_tokens = max_tokens
        self.max_context_items = max_context_items
        self.keep_recent_turns = keep_recent_turns
        self.max_tool_calls_per_turn = max_tool_calls_per_turn
        self.summary_llm = summary_llm

    def needs_compression(self, ctx: ChatContext) -> bool:
        """Over budget, with more turns than the recent ones kept plus one."""
        over_tokens = self.max_tokens is not None and ctx.estimated_tokens() > self.max_tokens
        over_items = self.max_context_items is not None and len(ctx.items) > self.max_context_items
        return (over_tokens or over_items) and ctx.turn_count() > self.keep_recent_turns + 1

    async def manage(self, ctx: ChatContext, llm: LLM | None = None) -> None:
        """Bring ``ctx`` within budget in place: summarize (with ``summary_llm`` or ``llm``),
        then truncate."""
        if self.needs_compression(ctx):
            summarizer = self.summary_llm or llm
            if summarizer is None:
                logger.warning("context over budget but no LLM to summarize it; truncating only")
            else:
                try:
                    await ctx.summarize(summarizer, keep_recent_turns=self.keep_recent_turns)
                except Exception:
                    logger.exception("summarizing the conversation failed; truncating only")
        if self.max_tokens is not None or self.max_context_items is not None:
            ctx.truncate(max_items=self.max_context_items, max_tokens=self.max_tokens)
