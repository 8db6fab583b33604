"""Validation of what the clients send against the official ``openai`` package types.

The SDK's request types are TypedDicts; pydantic validates them but drops unknown keys and
validates ``Iterable`` fields lazily. ``assert_valid`` therefore materialises the result and
compares it with the input, so a misspelt or unknown field fails the test too.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import TypeAdapter


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def _materialise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _materialise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, Iterator)):
        return [_materialise(v) for v in value]
    return value


def assert_valid(tp: Any, payload: dict[str, Any]) -> None:
    """Fail unless ``payload`` is a valid ``tp`` with no unknown fields."""
    validated = _materialise(_adapter(tp).validate_python(payload))
    assert validated == _materialise(payload), f"unknown or altered fields in {payload}"


def assert_realtime_client_event(event: dict[str, Any]) -> None:
    from openai.types.realtime import RealtimeClientEventParam

    assert_valid(RealtimeClientEventParam, event)


def assert_responses_client_event(event: dict[str, Any]) -> None:
    from openai.types.responses.responses_client_event_param import ResponsesClientEventParam

    assert_valid(ResponsesClientEventParam, event)


def assert_chat_completion_request(body: dict[str, Any]) -> None:
    from openai.types.chat.completion_create_params import CompletionCreateParamsStreaming

    assert_valid(CompletionCreateParamsStreaming, body)
