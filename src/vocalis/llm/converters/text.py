"""Rendering a conversation as a plain-text transcript.

Used to seed realtime models' instructions with the call so far and as the input of
summaries: ``User: ...``, ``Assistant: ...``, ``[tool call] name(args)``, ``[tool result] ...``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ...text import sanitize_text
from ..items import (
    AgentHandoff,
    ChatItem,
    ChatMessage,
    ChatRole,
    FunctionCall,
    FunctionCallOutput,
)
from ._common import image_parts, items_of, text_parts

if TYPE_CHECKING:
    from ..chat_context import ChatContext

_SPEAKERS = {
    ChatRole.SYSTEM: "System",
    ChatRole.DEVELOPER: "System",
    ChatRole.USER: "User",
    ChatRole.ASSISTANT: "Assistant",
}


def render_items_as_text(items: Iterable[ChatItem], *, include_instructions: bool = False) -> str:
    """One line per item; instruction messages only when ``include_instructions``."""
    lines = []
    for item in items:
        line = _line(item, include_instructions=include_instructions)
        if line:
            lines.append(line)
    return sanitize_text("\n".join(lines))


def render_context_as_text(
    ctx: ChatContext | Sequence[ChatItem], *, include_instructions: bool = False
) -> str:
    """The transcript of a ``ChatContext`` (or list of items), without its instructions."""
    return render_items_as_text(items_of(ctx), include_instructions=include_instructions)


def _line(item: ChatItem, *, include_instructions: bool) -> str | None:
    if isinstance(item, ChatMessage):
        if item.role in (ChatRole.SYSTEM, ChatRole.DEVELOPER) and not include_instructions:
            return None
        words = [" ".join(text_parts(item))] + ["[image]"] * len(image_parts(item))
        text = " ".join(word for word in words if word)
        if not text:
            return None
        suffix = " [interrupted]" if item.interrupted else ""
        return f"{_SPEAKERS[item.role]}: {text}{suffix}"
    if isinstance(item, FunctionCall):
        return f"[tool call] {item.name}({item.arguments})"
    if isinstance(item, FunctionCallOutput):
        status = " (error)" if item.is_error else ""
        return f"[tool result] {item.name}{status}: {item.output}"
    if isinstance(item, AgentHandoff):
        source = f"{item.from_agent} " if item.from_agent else ""
        reason = f": {item.reason}" if item.reason else ""
        return f"[handoff] {source}-> {item.to_agent}{reason}"
    return None
