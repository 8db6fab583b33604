"""OpenAI Chat Completions and Responses formats, validated against the openai package types."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest
from openai.types.chat import ChatCompletionMessageParam
from openai.types.responses import ResponseInputParam

from vocalis.llm import ChatContext, ChatRole, ImageContent

CHAT_MESSAGES = pydantic.TypeAdapter(list[ChatCompletionMessageParam])
RESPONSES_INPUT = pydantic.TypeAdapter(ResponseInputParam)


def _materialized(value: Any) -> Any:
    """Validated TypedDicts hold lazy iterators: consume them (which validates them)."""
    if isinstance(value, dict):
        return {key: _materialized(inner) for key, inner in value.items()}
    if isinstance(value, (str, bytes, int, float, bool, type(None))):
        return value
    return [_materialized(inner) for inner in value]


def assert_valid(adapter: pydantic.TypeAdapter, value: list[dict[str, Any]]) -> None:
    """Valid for the SDK type, with no key the type does not know (they would be dropped)."""
    assert _materialized(adapter.validate_python(value)) == value


def _full_conversation() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "You are helpful.")
    ctx.add_message(ChatRole.ASSISTANT, "Hello! How can I help?")
    ctx.add_message(
        ChatRole.USER,
        [
            "What is this?",
            ImageContent(image="data:image/png;base64,AAAA", inference_detail="high"),
        ],
    )
    ctx.add_message(ChatRole.ASSISTANT, "Let me check the weather for both.")
    ctx.add_function_call("weather", {"city": "Paris"}, call_id="c1")
    ctx.add_function_call("weather", {"city": "Rome"}, call_id="c2")
    ctx.add_function_output("weather", "sunny", "c1")
    ctx.add_function_output("weather", "rain", "c2", is_error=True)
    ctx.add_handoff("travel", from_agent="main")
    ctx.add_config_update(instructions="Be brief.")
    ctx.add_message(ChatRole.ASSISTANT, "Paris is sunny; Rome is rainy.")
    ctx.add_message(ChatRole.USER, "Thanks")
    return ctx


def test_chat_messages_shape() -> None:
    messages = _full_conversation().to_openai_messages()
    assert_valid(CHAT_MESSAGES, messages)
    assert messages == [
        {"role": "system", "content": "You are helpful."},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/png;base64,AAAA", "detail": "high"},
                },
            ],
        },
        {
            "role": "assistant",
            "content": "Let me check the weather for both.",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
                },
                {
                    "id": "c2",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city": "Rome"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "c2", "content": "rain"},
        {"role": "assistant", "content": "Paris is sunny; Rome is rainy."},
        {"role": "user", "content": "Thanks"},
    ]


def test_reasoning_models_get_developer_instructions() -> None:
    messages = _full_conversation().to_openai_messages(reasoning_model=True)
    assert_valid(CHAT_MESSAGES, messages)
    assert messages[0] == {"role": "developer", "content": "You are helpful."}
    ctx = ChatContext()
    ctx.add_message(ChatRole.DEVELOPER, "dev")
    assert ctx.to_openai_messages() == [{"role": "developer", "content": "dev"}]


def test_calls_without_text_start_their_own_assistant_message() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, "hi")
    ctx.add_function_call("a", {}, call_id="1")
    ctx.add_function_output("a", "x", "1")
    ctx.add_function_call("b", "", call_id="2")
    ctx.add_function_output("b", "y", "2")
    messages = ctx.to_openai_messages()
    assert_valid(CHAT_MESSAGES, messages)
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant", "tool"]
    assert "content" not in messages[1]
    assert messages[3]["tool_calls"][0]["function"]["arguments"] == "{}"


def test_results_follow_their_calls_and_orphans_are_left_out() -> None:
    ctx = ChatContext()
    ctx.add_function_output("lost", "no call", "ghost")
    ctx.add_message(ChatRole.USER, "look it up")
    ctx.add_function_call("lookup", {}, call_id="c")
    ctx.add_message(ChatRole.USER, "still there?")
    ctx.add_function_output("lookup", "found", "c")
    ctx.add_function_call("pending", {}, call_id="p")
    messages = ctx.to_openai_messages()
    assert_valid(CHAT_MESSAGES, messages)
    assert [(m["role"], m.get("content")) for m in messages] == [
        ("user", "look it up"),
        ("assistant", None),
        ("tool", "found"),
        ("user", "still there?"),
    ]


def test_empty_messages_and_assistant_images_are_skipped() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "  ")
    ctx.add_message(ChatRole.USER, "")
    ctx.add_message(ChatRole.ASSISTANT, ["seen", ImageContent(image="https://x/a.png")])
    assert ctx.to_openai_messages() == [{"role": "assistant", "content": "seen"}]


def test_image_only_user_message() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, [ImageContent(image="https://x/a.png")])
    messages = ctx.to_openai_messages()
    assert_valid(CHAT_MESSAGES, messages)
    assert messages[0]["content"] == [
        {"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": "auto"}}
    ]


def test_responses_input_shape() -> None:
    items = _full_conversation().to_openai_responses_input()
    assert_valid(RESPONSES_INPUT, items)
    assert items[0] == {"type": "message", "role": "system", "content": "You are helpful."}
    assert items[2] == {
        "type": "message",
        "role": "user",
        "content": [
            {"type": "input_text", "text": "What is this?"},
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "high"},
        ],
    }
    assert items[4:8] == [
        {
            "type": "function_call",
            "call_id": "c1",
            "name": "weather",
            "arguments": '{"city": "Paris"}',
        },
        {
            "type": "function_call",
            "call_id": "c2",
            "name": "weather",
            "arguments": '{"city": "Rome"}',
        },
        {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
        {"type": "function_call_output", "call_id": "c2", "output": "rain"},
    ]
    assert [i["type"] for i in items].count("message") == 6


@pytest.mark.parametrize("reasoning_model", [False, True])
def test_validation_catches_unknown_keys(reasoning_model: bool) -> None:
    messages = _full_conversation().to_openai_messages(reasoning_model=reasoning_model)
    messages[3]["tool_calls"][0]["function"]["unexpected"] = 1
    with pytest.raises(AssertionError):
        assert_valid(CHAT_MESSAGES, messages)
