"""Conversion of chat items to OpenAI Responses API ``input`` items.

Messages become ``message`` items (images as ``input_image`` parts), tool calls
``function_call`` items and results ``function_call_output`` items, matched by ``call_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..items import ChatItem, ChatMessage, ChatRole, FunctionCall
from ._common import conversation_items, image_urls, text_parts


def to_openai_responses_input(items: Sequence[ChatItem]) -> list[dict[str, Any]]:
    """Responses API input items for the conversation."""
    result: list[dict[str, Any]] = []
    for item in conversation_items(items):
        if isinstance(item, ChatMessage):
            message = _message(item)
            if message is not None:
                result.append(message)
        elif isinstance(item, FunctionCall):
            result.append(
                {
                    "type": "function_call",
                    "call_id": item.call_id,
                    "name": item.name,
                    "arguments": item.arguments or "{}",
                }
            )
        else:
            result.append(
                {"type": "function_call_output", "call_id": item.call_id, "output": item.output}
            )
    return result


def _message(message: ChatMessage) -> dict[str, Any] | None:
    texts = text_parts(message)
    images = image_urls(message) if message.role == ChatRole.USER else []
    if not texts and not images:
        return None
    if not images:
        return {"type": "message", "role": message.role.value, "content": " ".join(texts)}
    parts: list[dict[str, Any]] = [{"type": "input_text", "text": text} for text in texts]
    parts.extend(
        {"type": "input_image", "image_url": url, "detail": image.inference_detail}
        for image, url in images
    )
    return {"type": "message", "role": message.role.value, "content": parts}
