"""``ReadOnlyChatContext``: a view of a shared conversation that refuses every change.

Handed to sub-agents and hooks that may read the parent's history but must not alter it.
"""

from __future__ import annotations

from typing import Any

from .chat_context import ChatContext
from .items import ChatItem


class ReadOnlyChatContext(ChatContext):
    """A read-only view over a live list of items, for agents that must not change a
    shared parent conversation. Reads, copies and forks work; every mutator raises
    ``RuntimeError``."""

    def __init__(self, items: list[ChatItem]) -> None:
        self._items = items

    @property
    def items(self) -> list[ChatItem]:
        """A snapshot of the live items (changing it does not change the parent)."""
        return list(self._items)

    def _refuse(self, *_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(_MUTATION_ERROR)

    async def _refuse_async(self, *_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(_MUTATION_ERROR)

    add_message = _refuse
    add_function_call = _refuse
    add_function_output = _refuse
    add_handoff = _refuse
    add_config_update = _refuse
    insert = _refuse
    insert_many = _refuse
    truncate = _refuse
    cleanup = _refuse
    summarize = _refuse_async
    merge = _refuse_async
    merge_result = _refuse_async
    merge_with_summary = _refuse_async


_MUTATION_ERROR = (
    "this chat context is read-only (a view of a shared conversation); "
    "call .copy() or .fork() to get a context you can change"
)
