"""Token usage of OpenAI replies, flattened into the keys the metrics read.

LLM keys (both transports): ``prompt_tokens``, ``completion_tokens``, ``total_tokens``,
``prompt_cached_tokens``, ``reasoning_tokens``, ``request_id``, ``model``.
"""

from __future__ import annotations

from typing import Any


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if obj is None:
            return None
        obj = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
    return obj


def chat_usage(chunk: Any) -> dict[str, Any]:
    """Usage of a chat-completions chunk (an SDK object or a dict)."""
    usage = _get(chunk, "usage")
    return {
        "prompt_tokens": _get(usage, "prompt_tokens") or 0,
        "completion_tokens": _get(usage, "completion_tokens") or 0,
        "total_tokens": _get(usage, "total_tokens") or 0,
        "prompt_cached_tokens": _get(usage, "prompt_tokens_details", "cached_tokens") or 0,
        "reasoning_tokens": _get(usage, "completion_tokens_details", "reasoning_tokens") or 0,
        "request_id": _get(chunk, "id"),
        "model": _get(chunk, "model"),
    }


def responses_usage(response: dict[str, Any]) -> dict[str, Any]:
    """Usage of a Responses ``response`` object (either token naming is accepted)."""
    usage = response.get("usage") or {}
    return {
        "prompt_tokens": usage.get("input_tokens", usage.get("prompt_tokens")) or 0,
        "completion_tokens": usage.get("output_tokens", usage.get("completion_tokens")) or 0,
        "total_tokens": usage.get("total_tokens") or 0,
        "prompt_cached_tokens": _get(usage, "input_tokens_details", "cached_tokens") or 0,
        "reasoning_tokens": _get(usage, "output_tokens_details", "reasoning_tokens") or 0,
        "request_id": response.get("id"),
        "model": response.get("model"),
    }


def realtime_usage(event: dict[str, Any]) -> dict[str, Any]:
    """Usage of a realtime ``response.done`` event, flattened (text/audio/image/cached)."""
    usage = _get(event, "response", "usage") or {}
    inp = usage.get("input_token_details") or {}
    out = usage.get("output_token_details") or {}
    cached = inp.get("cached_tokens_details") or {}
    return {
        "total_tokens": usage.get("total_tokens", 0),
        "input_tokens": usage.get("input_tokens", 0),
        "output_tokens": usage.get("output_tokens", 0),
        "input_text_tokens": inp.get("text_tokens", 0),
        "input_audio_tokens": inp.get("audio_tokens", 0),
        "input_image_tokens": inp.get("image_tokens", 0),
        "input_cached_tokens": inp.get("cached_tokens", 0),
        "cached_text_tokens": cached.get("text_tokens", 0),
        "cached_audio_tokens": cached.get("audio_tokens", 0),
        "cached_image_tokens": cached.get("image_tokens", 0),
        "output_text_tokens": out.get("text_tokens", 0),
        "output_audio_tokens": out.get("audio_tokens", 0),
        "output_image_tokens": out.get("image_tokens", 0),
    }
