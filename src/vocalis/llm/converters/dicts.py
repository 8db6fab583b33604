"""Lossless plain-dict form of chat items, for storing and restoring a conversation.

Each item is ``{"type", "id", "created_at", "agent_id", ...its fields}``. Unlike the
reference, image parts survive the round trip: they are written as ``{"type": "image", ...}``
dicts (video frames as data URLs) and read back as ``ImageContent``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from ..items import (
    AgentConfigUpdate,
    AgentHandoff,
    ChatItem,
    ChatMessage,
    FunctionCall,
    FunctionCallOutput,
    ImageContent,
)

_ITEM_TYPES: dict[str, type[ChatItem]] = {
    "message": ChatMessage,
    "function_call": FunctionCall,
    "function_call_output": FunctionCallOutput,
    "agent_handoff": AgentHandoff,
    "agent_config_update": AgentConfigUpdate,
}


def item_to_dict(item: ChatItem) -> dict[str, Any]:
    """One item as a dict of plain values."""
    if not isinstance(item, ChatMessage):
        return item.model_dump()
    data = item.model_dump(exclude={"content"})
    data["role"] = item.role.value
    data["content"] = [_part_to_dict(part) for part in item.content]
    return data


def items_to_dicts(items: Iterable[ChatItem]) -> list[dict[str, Any]]:
    """Every item as a dict (see ``item_to_dict``)."""
    return [item_to_dict(item) for item in items]


def items_from_dicts(data: Iterable[Any]) -> list[ChatItem]:
    """Items from their dict form; unknown ``type``s are skipped, malformed items raise
    ``ValueError`` naming the index."""
    items: list[ChatItem] = []
    for index, entry in enumerate(data):
        if not isinstance(entry, Mapping):
            raise ValueError(f"chat item {index} is not a dict: {entry!r}")
        item_type = _ITEM_TYPES.get(entry.get("type"))  # type: ignore[arg-type]
        if item_type is None:
            continue
        try:
            items.append(item_type.model_validate(_with_parsed_content(entry)))
        except ValidationError as error:
            raise ValueError(f"chat item {index} is invalid: {error}") from error
    return items


def _part_to_dict(part: str | ImageContent) -> str | dict[str, Any]:
    if isinstance(part, str):
        return part
    data = part.model_dump(exclude={"image"})
    data["image"] = part.to_data_url()
    return data


def _with_parsed_content(entry: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(entry)
    content = data.get("content")
    if isinstance(content, str):
        data["content"] = [content]
    elif isinstance(content, list):
        data["content"] = [
            ImageContent.model_validate(part) if isinstance(part, Mapping) else part
            for part in content
        ]
    return data
