"""Conversion of chat items to Anthropic Messages API ``messages`` plus a system prompt.

Tool calls become ``tool_use`` blocks, results ``tool_result`` blocks in a user turn.
Consecutive same-role turns are merged because the API requires alternating roles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..items import ChatItem, ChatMessage, ChatRole, FunctionCall
from ._common import (
    conversation_items,
    image_urls,
    parse_arguments,
    split_data_url,
    text_parts,
)

CONVERSATION_START = "(conversation started)"
"""Text of the user turn put first when a history opens with the assistant (a greeting):
the Messages API requires the first message to come from the user."""


def to_anthropic_messages(
    items: Sequence[ChatItem], *, caching: bool = False
) -> tuple[list[dict[str, Any]], str | None]:
    """``(messages, system_text)``; with ``caching`` the last block gets ``cache_control``."""
    system_texts: list[str] = []
    turns: list[tuple[str, list[dict[str, Any]]]] = []
    for item in conversation_items(items):
        if isinstance(item, ChatMessage) and item.role in (ChatRole.SYSTEM, ChatRole.DEVELOPER):
            system_texts.extend(text_parts(item))
            continue
        role, blocks = _turn(item)
        if not blocks:
            continue
        if turns and turns[-1][0] == role:
            turns[-1][1].extend(blocks)
        else:
            turns.append((role, blocks))
    if turns and turns[0][0] != "user":
        turns.insert(0, ("user", [{"type": "text", "text": CONVERSATION_START}]))
    messages = [{"role": role, "content": _results_first(blocks)} for role, blocks in turns]
    if caching and messages:
        messages[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    system_text = "\n\n".join(system_texts) if system_texts else None
    return messages, system_text


def _turn(item: ChatItem) -> tuple[str, list[dict[str, Any]]]:
    if isinstance(item, FunctionCall):
        block = {
            "type": "tool_use",
            "id": item.call_id,
            "name": item.name,
            "input": parse_arguments(item.arguments),
        }
        return "assistant", [block]
    if isinstance(item, ChatMessage):
        blocks: list[dict[str, Any]] = [{"type": "text", "text": t} for t in text_parts(item)]
        if item.role == ChatRole.USER:
            blocks.extend(_image_block(url) for _, url in image_urls(item))
            return "user", blocks
        return "assistant", blocks
    result: dict[str, Any] = {"type": "tool_result", "tool_use_id": item.call_id}
    if item.output:
        result["content"] = item.output
    if item.is_error:
        result["is_error"] = True
    return "user", [result]


def _image_block(url: str) -> dict[str, Any]:
    inline = split_data_url(url)
    if inline is not None:
        media_type, data = inline
        source = {"type": "base64", "media_type": media_type, "data": data}
    else:
        source = {"type": "url", "url": url}
    return {"type": "image", "source": source}


def _results_first(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tool results must open a user turn, before any text the user said meanwhile."""
    results = [block for block in blocks if block["type"] == "tool_result"]
    others = [block for block in blocks if block["type"] != "tool_result"]
    return results + others
