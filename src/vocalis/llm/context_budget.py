"""Budgeting a conversation: token estimates, tool-pair bookkeeping and truncation.

Pure functions over lists of chat items; ``ChatContext`` delegates to them so the rules
(what is protected, which items leave together) are defined and tested in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .items import (
    AgentConfigUpdate,
    AgentHandoff,
    ChatItem,
    ChatMessage,
    ChatRole,
    FunctionCall,
    FunctionCallOutput,
)

IMAGE_TOKENS = 300
"""Flat token cost of one image part (the reference's heuristic)."""

ITEM_OVERHEAD_TOKENS = 4
"""Fixed cost of every item (role markers, separators)."""

INSTRUCTION_ROLES = (ChatRole.SYSTEM, ChatRole.DEVELOPER)


def is_instruction(item: ChatItem) -> bool:
    """True for SYSTEM and DEVELOPER messages."""
    return isinstance(item, ChatMessage) and item.role in INSTRUCTION_ROLES


def is_summary(item: ChatItem) -> bool:
    """True for a message produced by summarization (``extra["summary"]``)."""
    return isinstance(item, ChatMessage) and bool(item.extra.get("summary"))


def is_structural(item: ChatItem) -> bool:
    """True for items that shape the conversation rather than say something in it."""
    return isinstance(item, (AgentHandoff, AgentConfigUpdate))


def estimate_item_tokens(item: ChatItem) -> int:
    """A rough token count for one item, at about four characters per token."""
    tokens = ITEM_OVERHEAD_TOKENS
    if isinstance(item, ChatMessage):
        for part in item.content:
            tokens += len(part) // 4 if isinstance(part, str) else IMAGE_TOKENS
    elif isinstance(item, FunctionCall):
        tokens += len(item.name) // 4 + 5 + len(item.arguments) // 4
    elif isinstance(item, FunctionCallOutput):
        tokens += len(item.name) // 4 + 5 + len(item.output) // 4
    return tokens


def estimate_tokens(items: Iterable[ChatItem]) -> int:
    """A rough token count for a list of items (see ``estimate_item_tokens``)."""
    return sum(estimate_item_tokens(item) for item in items)


def drop_orphan_tool_items(items: Sequence[ChatItem]) -> list[ChatItem]:
    """Items without calls that have no output and outputs that have no call.

    Providers reject a tool call without its result (and the reverse), so a history that
    lost one half of a pair must lose the other half too.
    """
    call_ids = {item.call_id for item in items if isinstance(item, FunctionCall)}
    output_ids = {item.call_id for item in items if isinstance(item, FunctionCallOutput)}
    paired = call_ids & output_ids
    return [
        item
        for item in items
        if not isinstance(item, (FunctionCall, FunctionCallOutput)) or item.call_id in paired
    ]


def protected_item_ids(items: Sequence[ChatItem]) -> set[str]:
    """Ids truncation never removes: the first instruction message, the first summary,
    the last user message, and every handoff and config update."""
    protected = {item.id for item in items if is_structural(item)}
    first_instruction = next((item for item in items if is_instruction(item)), None)
    first_summary = next((item for item in items if is_summary(item)), None)
    last_user = next(
        (
            item
            for item in reversed(items)
            if isinstance(item, ChatMessage) and item.role == ChatRole.USER
        ),
        None,
    )
    for item in (first_instruction, first_summary, last_user):
        if item is not None:
            protected.add(item.id)
    return protected


def _check_limit(name: str, value: int | None) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValueError(f"{name} must be a non-negative int or None, got {value!r}")


def truncate_items(
    items: Sequence[ChatItem],
    *,
    max_items: int | None = None,
    max_tokens: int | None = None,
) -> list[ChatItem]:
    """The items that fit the budget, dropping the oldest unprotected ones first.

    A tool call and its output leave together, and orphaned halves of pairs are dropped at
    the end. Protected items (see ``protected_item_ids``) always stay, so the result may
    remain over budget when they alone exceed it.
    """
    _check_limit("max_items", max_items)
    _check_limit("max_tokens", max_tokens)
    if max_items is None and max_tokens is None:
        return list(items)
    kept = list(items)
    protected = protected_item_ids(kept)
    tokens = estimate_tokens(kept)

    def over_budget() -> bool:
        return (max_items is not None and len(kept) > max_items) or (
            max_tokens is not None and tokens > max_tokens
        )

    while over_budget():
        victim = next((item for item in kept if item.id not in protected), None)
        if victim is None:
            break
        if isinstance(victim, (FunctionCall, FunctionCallOutput)):
            leaving = [
                item
                for item in kept
                if isinstance(item, (FunctionCall, FunctionCallOutput))
                and item.call_id == victim.call_id
                and item.id not in protected
            ]
        else:
            leaving = [victim]
        leaving_ids = {item.id for item in leaving}
        tokens -= estimate_tokens(leaving)
        kept = [item for item in kept if item.id not in leaving_ids]
    return drop_orphan_tool_items(kept)
