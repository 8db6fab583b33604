"""Conversion of chat items to OpenAI Chat Completions ``messages``.

Tool calls ride on the assistant message as ``tool_calls`` (consecutive calls share one
message), results become ``role: "tool"`` messages, images ``image_url`` parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..items import ChatItem, ChatMessage, ChatRole, FunctionCall
from ._common import conversation_items, image_urls, text_parts


def to_openai_messages(
    items: Sequence[ChatItem], *, reasoning_model: bool = False
) -> list[dict[str, Any]]:
    """Chat Completions messages; system prompts become ``developer`` for reasoning models."""
    messages: list[dict[str, Any]] = []
    for item in conversation_items(items):
        if isinstance(item, ChatMessage):
            message = _message(item, reasoning_model=reasoning_model)
            if message is not None:
                messages.append(message)
        elif isinstance(item, FunctionCall):
            _attach_tool_call(messages, item)
        else:
            messages.append({"role": "tool", "tool_call_id": item.call_id, "content": item.output})
    return messages


def _message(message: ChatMessage, *, reasoning_model: bool) -> dict[str, Any] | None:
    texts = text_parts(message)
    if message.role in (ChatRole.SYSTEM, ChatRole.DEVELOPER):
        if not texts:
            return None
        use_developer = message.role == ChatRole.DEVELOPER or reasoning_model
        return {"role": "developer" if use_developer else "system", "content": " ".join(texts)}
    if message.role == ChatRole.ASSISTANT:
        return {"role": "assistant", "content": " ".join(texts)} if texts else None
    images = image_urls(message)
    if not images:
        return {"role": "user", "content": " ".join(texts)} if texts else None
    parts: list[dict[str, Any]] = [{"type": "text", "text": text} for text in texts]
    parts.extend(
        {"type": "image_url", "image_url": {"url": url, "detail": image.inference_detail}}
        for image, url in images
    )
    return {"role": "user", "content": parts}


def _attach_tool_call(messages: list[dict[str, Any]], call: FunctionCall) -> None:
    """Add the call to the preceding assistant message, or start one."""
    tool_call = {
        "id": call.call_id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments or "{}"},
    }
    last = messages[-1] if messages else None
    if last is not None and last["role"] == "assistant":
        last.setdefault("tool_calls", []).append(tool_call)
    else:
        messages.append({"role": "assistant", "tool_calls": [tool_call]})
