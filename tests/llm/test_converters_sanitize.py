"""Every provider conversion yields encodable requests, whatever text got into the history."""

from __future__ import annotations

import json

import pytest

from vocalis.llm.chat_context import ChatContext
from vocalis.llm.converters import (
    render_context_as_text,
    to_anthropic_messages,
    to_google_contents,
    to_openai_messages,
    to_openai_responses_input,
)
from vocalis.llm.items import ChatRole, FunctionCall, FunctionCallOutput

POISON = "hi \ud800 there"


def poisoned_context() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(role=ChatRole.SYSTEM, content="Be brief \udfff.")
    ctx.add_message(role=ChatRole.USER, content=POISON)
    ctx.add_message(role=ChatRole.ASSISTANT, content="Sure \ud83d\ude00 thing")
    ctx.items.append(FunctionCall(name="lookup", arguments='{"q": "\ud800"}', call_id="c1"))
    ctx.items.append(FunctionCallOutput(name="lookup", call_id="c1", output="found \udc00 it"))
    ctx.add_message(role=ChatRole.USER, content="next\x00 question")
    return ctx


def encodes(payload) -> str:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8").decode()


async def test_every_converter_output_is_valid_utf8():
    ctx = poisoned_context()
    outputs = [
        to_openai_messages(ctx.items),
        to_openai_responses_input(ctx.items),
        to_anthropic_messages(ctx.items),
        await to_google_contents(ctx.items),
        render_context_as_text(ctx, include_instructions=True),
    ]
    for output in outputs:
        text = encodes(output)
        assert "\ufffd" in text and "\\u0000" not in text


def test_the_history_itself_is_left_alone_and_clean_items_are_not_copied():
    ctx = poisoned_context()
    to_openai_messages(ctx.items)
    assert ctx.items[1].content == [POISON]
    clean = ChatContext()
    clean.add_message(role=ChatRole.USER, content="fine")
    messages = to_openai_messages(clean.items)
    assert messages == [{"role": "user", "content": "fine"}]


def test_a_surrogate_pair_survives_as_one_character():
    messages = to_openai_messages(poisoned_context().items)
    assert messages[2]["content"] == "Sure \U0001f600 thing"


@pytest.mark.parametrize("output", ["\ud800", "ok \x07 bell"])
def test_tool_results_are_clean(output):
    from vocalis.llm.tools.invocation import ToolResult

    result = ToolResult("t", output)
    result.output.encode("utf-8")
    assert "\x07" not in result.output


async def test_an_image_that_cannot_be_encoded_is_left_out_not_fatal():
    from vocalis.llm.items import ImageContent

    ctx = ChatContext()
    ctx.add_message(role=ChatRole.USER, content=["look at this", ImageContent(image=object())])
    assert to_openai_messages(ctx.items) == [{"role": "user", "content": "look at this"}]
    assert to_openai_responses_input(ctx.items)[0]["content"] == "look at this"
    messages, _ = to_anthropic_messages(ctx.items)
    assert messages[0]["content"] == [{"type": "text", "text": "look at this"}]
    contents, _ = await to_google_contents(ctx.items)
    assert contents[0]["parts"] == [{"text": "look at this"}]
