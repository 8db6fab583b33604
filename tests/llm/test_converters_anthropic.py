"""Anthropic Messages format, validated against anthropic.types.MessageParam."""

from __future__ import annotations

import itertools
from typing import Any

import pydantic
import pytest
from anthropic.types import MessageParam

from vocalis.llm import ChatContext, ChatRole, ImageContent
from vocalis.llm.converters.anthropic import CONVERSATION_START

MESSAGES = pydantic.TypeAdapter(list[MessageParam])


def _materialized(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _materialized(inner) for key, inner in value.items()}
    if isinstance(value, (str, bytes, int, float, bool, type(None))):
        return value
    return [_materialized(inner) for inner in value]


def assert_valid(messages: list[dict[str, Any]]) -> None:
    assert _materialized(MESSAGES.validate_python(messages)) == messages


def _conversation() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "You are helpful.")
    ctx.add_message(ChatRole.DEVELOPER, "Answer in English.")
    ctx.add_message(
        ChatRole.USER, ["What is this?", ImageContent(image="data:image/png;base64,AAAA")]
    )
    ctx.add_message(ChatRole.USER, ["And this?", ImageContent(image="https://x/b.jpg")])
    ctx.add_message(ChatRole.ASSISTANT, "Checking.")
    ctx.add_function_call("lookup", {"q": "cat"}, call_id="t1")
    ctx.add_function_call("lookup", "not json", call_id="t2")
    ctx.add_function_output("lookup", "a cat", "t1")
    ctx.add_function_output("lookup", "failed", "t2", is_error=True)
    ctx.add_handoff("other")
    ctx.add_message(ChatRole.ASSISTANT, "It is a cat.")
    return ctx


def test_messages_and_system_text() -> None:
    messages, system = _conversation().to_anthropic_messages()
    assert_valid(messages)
    assert system == "You are helpful.\n\nAnswer in English."
    assert messages == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"},
                },
                {"type": "text", "text": "And this?"},
                {"type": "image", "source": {"type": "url", "url": "https://x/b.jpg"}},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "cat"}},
                {
                    "type": "tool_use",
                    "id": "t2",
                    "name": "lookup",
                    "input": {"arguments": "not json"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "a cat"},
                {"type": "tool_result", "tool_use_id": "t2", "content": "failed", "is_error": True},
            ],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "It is a cat."}]},
    ]


def test_roles_alternate() -> None:
    messages, _ = _conversation().to_anthropic_messages()
    roles = [m["role"] for m in messages]
    assert all(a != b for a, b in itertools.pairwise(roles))


def test_caching_marks_only_the_last_block() -> None:
    messages, _ = _conversation().to_anthropic_messages(caching=True)
    assert_valid(messages)
    marked = [b for m in messages for b in m["content"] if "cache_control" in b]
    assert marked == [
        {"type": "text", "text": "It is a cat.", "cache_control": {"type": "ephemeral"}}
    ]


def test_a_history_opening_with_the_assistant_gets_a_user_turn_first() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.ASSISTANT, "Hi, I'm the shop assistant.")
    ctx.add_message(ChatRole.USER, "hello")
    messages, system = ctx.to_anthropic_messages()
    assert_valid(messages)
    assert system is None
    assert messages[0] == {
        "role": "user",
        "content": [{"type": "text", "text": CONVERSATION_START}],
    }


def test_tool_results_open_the_user_turn() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, "look it up")
    ctx.add_function_call("lookup", {}, call_id="c")
    ctx.add_message(ChatRole.USER, "hurry")
    ctx.add_function_output("lookup", "", "c")
    ctx.add_function_call("orphan", {}, call_id="o")
    messages, _ = ctx.to_anthropic_messages()
    assert_valid(messages)
    assert messages[-1] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "c"},
            {"type": "text", "text": "hurry"},
        ],
    }


def test_empty_context() -> None:
    assert ChatContext().to_anthropic_messages(caching=True) == ([], None)


def test_validation_catches_unknown_keys() -> None:
    messages, _ = _conversation().to_anthropic_messages()
    messages[1]["content"][1]["unexpected"] = True
    with pytest.raises(AssertionError):
        assert_valid(messages)
