"""Conversion of chat items to Gemini ``contents`` in the REST JSON shape (plain dicts).

Roles are ``user`` and ``model``; tool calls are ``functionCall`` parts (with their
``thoughtSignature`` when known), results ``functionResponse`` parts, images ``inline_data``
(data URLs and video frames) or ``file_data`` (other URLs). No google-genai import needed.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping, Sequence
from typing import Any

from ..items import ChatItem, ChatMessage, ChatRole, FunctionCall, ImageContent
from ._common import (
    conversation_items,
    guess_mime_type,
    image_parts,
    image_urls,
    parse_arguments,
    split_data_url,
    text_parts,
)

ThoughtSignature = str | bytes


async def to_google_contents(
    items: Sequence[ChatItem],
    *,
    thought_signatures: Mapping[str, ThoughtSignature] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """``(contents, system_instruction)``; async because video frames are encoded off-loop.

    ``thought_signatures`` maps a tool call's ``call_id`` to the signature Gemini returned
    with it; otherwise ``FunctionCall.metadata["thought_signature"]`` is used.
    """
    signatures = thought_signatures or {}
    system_texts: list[str] = []
    contents: list[dict[str, Any]] = []
    for item in conversation_items(items):
        if isinstance(item, ChatMessage) and item.role in (ChatRole.SYSTEM, ChatRole.DEVELOPER):
            system_texts.extend(text_parts(item))
            continue
        role, parts = await _content(item, signatures)
        if not parts:
            continue
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    system = {"parts": [{"text": "\n\n".join(system_texts)}]} if system_texts else None
    return contents, system


async def _content(
    item: ChatItem, signatures: Mapping[str, ThoughtSignature]
) -> tuple[str, list[dict[str, Any]]]:
    if isinstance(item, FunctionCall):
        part: dict[str, Any] = {
            "functionCall": {
                "id": item.call_id,
                "name": item.name,
                "args": parse_arguments(item.arguments),
            }
        }
        signature = signatures.get(item.call_id) or (item.metadata or {}).get("thought_signature")
        if signature:
            part["thoughtSignature"] = _signature_text(signature)
        return "model", [part]
    if isinstance(item, ChatMessage):
        parts: list[dict[str, Any]] = [{"text": text} for text in text_parts(item)]
        if item.role == ChatRole.USER:
            images = await asyncio.to_thread(image_urls, item) if image_parts(item) else []
            parts.extend(_image_part(image, url) for image, url in images)
            return "user", parts
        return "model", parts
    key = "error" if item.is_error else "output"
    response = {"id": item.call_id, "name": item.name, "response": {key: item.output}}
    return "user", [{"functionResponse": response}]


def _image_part(image: ImageContent, url: str) -> dict[str, Any]:
    inline = split_data_url(url)
    if inline is not None:
        mime_type, data = inline
        return {"inline_data": {"mime_type": mime_type, "data": data}}
    return {"file_data": {"mime_type": guess_mime_type(url, image.mime_type or image.encode_options.mime_type), "file_uri": url}}


def _signature_text(signature: ThoughtSignature) -> str:
    """Signatures travel base64-encoded in JSON."""
    if isinstance(signature, bytes):
        return base64.b64encode(signature).decode()
    return str(signature)
