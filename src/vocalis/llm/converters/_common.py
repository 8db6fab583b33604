"""Shared steps of provider conversion: which items a provider sees, in which order.

Every provider rejects a tool result that does not directly answer a tool call, so the
conversion first drops structural items and orphaned tool halves, then moves each result
up to follow its run of calls. Every text is sanitized on the way (``sanitize_text``): an
item carrying a lone surrogate, whatever put it in the history, cannot fail a request.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import Iterable, Sequence
from typing import Any

from ...text import sanitize_text
from ..context_budget import drop_orphan_tool_items
from ..items import (
    AgentConfigUpdate,
    AgentHandoff,
    ChatItem,
    ChatMessage,
    FunctionCall,
    FunctionCallOutput,
    ImageContent,
)

logger = logging.getLogger("vocalis.llm")

ConversationItem = ChatMessage | FunctionCall | FunctionCallOutput


def items_of(source: Any) -> Sequence[ChatItem]:
    """The items of a ``ChatContext`` (anything with ``.items``) or of a plain sequence."""
    items = getattr(source, "items", source)
    if not isinstance(items, Sequence):
        raise TypeError(f"expected a ChatContext or a sequence of chat items, got {source!r}")
    return items


def conversation_items(items: Iterable[ChatItem]) -> list[ConversationItem]:
    """Messages and complete tool pairs, each run of calls directly followed by its outputs."""
    spoken = [item for item in items if not isinstance(item, (AgentHandoff, AgentConfigUpdate))]
    spoken = drop_orphan_tool_items(spoken)
    outputs_by_call: dict[str, list[FunctionCallOutput]] = {}
    for item in spoken:
        if isinstance(item, FunctionCallOutput):
            outputs_by_call.setdefault(item.call_id, []).append(item)
    ordered: list[ConversationItem] = []
    index = 0
    while index < len(spoken):
        item = spoken[index]
        if isinstance(item, FunctionCall):
            run: list[FunctionCall] = []
            while index < len(spoken) and isinstance(spoken[index], FunctionCall):
                run.append(spoken[index])  # type: ignore[arg-type]
                index += 1
            ordered.extend(run)
            for call in run:
                ordered.extend(outputs_by_call.pop(call.call_id, []))
            continue
        if isinstance(item, ChatMessage):
            ordered.append(item)
        index += 1
    return [clean_item(item) for item in ordered]


def clean_item(item: ConversationItem) -> ConversationItem:
    """``item``, or a copy with its texts sanitized when any needed it."""
    if isinstance(item, ChatMessage):
        content = [sanitize_text(p) if isinstance(p, str) else p for p in item.content]
        changed = any(a is not b for a, b in zip(content, item.content, strict=True))
        return item.model_copy(update={"content": content}) if changed else item
    fields = ("name", "call_id", "arguments") if isinstance(item, FunctionCall) else (
        "name", "call_id", "output"
    )
    update = {f: sanitize_text(getattr(item, f)) for f in fields}
    update = {f: v for f, v in update.items() if v is not getattr(item, f)}
    return item.model_copy(update=update) if update else item


def parse_arguments(arguments: str) -> dict[str, Any]:
    """Tool-call arguments as a dict; non-object JSON is kept under ``"arguments"``."""
    if not arguments.strip():
        return {}
    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError:
        return {"arguments": arguments}
    return parsed if isinstance(parsed, dict) else {"arguments": parsed}


def split_data_url(url: str) -> tuple[str, str] | None:
    """``(mime_type, base64_data)`` of a base64 data URL, or None for any other URL."""
    if not url.startswith("data:"):
        return None
    header, sep, data = url[5:].partition(",")
    if not sep or not header.endswith(";base64"):
        return None
    return header[: -len(";base64")] or "application/octet-stream", data


def guess_mime_type(url: str, default: str) -> str:
    """The image type implied by a URL's extension, else ``default``."""
    guessed, _ = mimetypes.guess_type(url.split("?", 1)[0])
    return guessed if guessed and guessed.startswith("image/") else default


def image_parts(message: ChatMessage) -> list[ImageContent]:
    """The image parts of a message."""
    return [part for part in message.content if isinstance(part, ImageContent)]


def image_urls(message: ChatMessage) -> list[tuple[ImageContent, str]]:
    """Each image part with its URL (``to_data_url``); an image that cannot be encoded is left
    out and logged, so one broken frame in the history cannot fail every later request."""
    urls = []
    for image in image_parts(message):
        try:
            urls.append((image, image.to_data_url()))
        except Exception:
            logger.warning("leaving out an image that cannot be encoded", exc_info=True)
    return urls


def text_parts(message: ChatMessage) -> list[str]:
    """The non-blank text parts of a message."""
    return [part for part in message.content if isinstance(part, str) and part.strip()]
