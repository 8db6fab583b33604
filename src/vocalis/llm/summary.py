"""Summaries of conversation history written by an LLM.

Owns the summary prompt, the transcript an LLM summarizes, and the split of a history into the
part kept verbatim and the part replaced by a summary message (the LLM call itself is
``ChatContext``'s, which owns the request it sends).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence

from .context_budget import is_instruction, is_structural, is_summary
from .converters.text import render_items_as_text
from .items import ChatItem, ChatMessage, ChatRole, FunctionCall, FunctionCallOutput

logger = logging.getLogger(__name__)

SUMMARY_INSTRUCTIONS = (
    "You compress the history of a voice conversation between a user and an assistant. "
    "Write a short factual summary in the third person. Keep every name, number, date, "
    "order or account identifier, decision, tool result and open question; drop greetings "
    "and small talk. Reply with the summary only."
)
CONVERSATION_SUMMARY_PREFIX = "[Conversation Summary]\n"
SUB_AGENT_SUMMARY_PREFIX = "[Sub-agent Summary]\n"


def render_items(items: Iterable[ChatItem]) -> str:
    """The transcript an LLM summarizes (instructions left out)."""
    return render_items_as_text(items)


def summary_message(
    text: str, *, prefix: str, created_at: float | None = None, agent_id: str | None = None
) -> ChatMessage:
    """An ASSISTANT message marked ``extra["summary"]``, which truncation protects."""
    message = ChatMessage(
        role=ChatRole.ASSISTANT,
        content=[f"{prefix}{text}"],
        extra={"summary": True},
        agent_id=agent_id,
    )
    if created_at is not None:
        message.created_at = created_at
    return message


async def summarize_items(
    items: Sequence[ChatItem],
    summarize: Callable[[str], Awaitable[str]],
    *,
    keep_recent_turns: int = 3,
) -> list[ChatItem] | None:
    """The history with everything before the last ``keep_recent_turns`` user turns
    replaced by one summary message; None when there is nothing to summarize or the LLM
    returned nothing.

    Instructions, handoffs, config updates and earlier summaries stay verbatim, and so does
    a tool call whose output falls in the recent part (the pair must not be split).
    """
    if keep_recent_turns < 0:
        raise ValueError(f"keep_recent_turns must be >= 0, got {keep_recent_turns}")
    user_indexes = [
        i
        for i, item in enumerate(items)
        if isinstance(item, ChatMessage) and item.role == ChatRole.USER
    ]
    if len(user_indexes) <= keep_recent_turns:
        return None
    split = user_indexes[-keep_recent_turns] if keep_recent_turns else len(items)
    head, recent = list(items[:split]), list(items[split:])
    answered_later = {item.call_id for item in recent if isinstance(item, FunctionCallOutput)}
    verbatim = [item for item in head if _stays_verbatim(item)]
    carried = [
        item for item in head if isinstance(item, FunctionCall) and item.call_id in answered_later
    ]
    kept_ids = {item.id for item in verbatim + carried}
    condensed = [item for item in head if item.id not in kept_ids]
    if not condensed:
        return None
    summary = await summarize(render_items(condensed))
    if not summary:
        logger.warning("summary LLM returned no text; conversation left unchanged")
        return None
    message = summary_message(
        summary, prefix=CONVERSATION_SUMMARY_PREFIX, created_at=condensed[-1].created_at
    )
    return [*verbatim, message, *carried, *recent]


def _stays_verbatim(item: ChatItem) -> bool:
    return is_structural(item) or is_instruction(item) or is_summary(item)
