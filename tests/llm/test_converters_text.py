"""The plain-text transcript used by realtime instructions and summaries."""

from __future__ import annotations

import pytest

from vocalis.llm import ChatContext, ChatRole, ImageContent
from vocalis.llm.converters import render_context_as_text, render_items_as_text


def _conversation() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "secret instructions")
    ctx.add_message(ChatRole.USER, ["my order is 42", ImageContent(image="https://x/y.png")])
    ctx.add_function_call("lookup_order", {"id": 42}, call_id="c")
    ctx.add_function_output("lookup_order", "shipped", "c")
    ctx.add_function_call("refund", {}, call_id="r")
    ctx.add_function_output("refund", "not allowed", "r", is_error=True)
    message = ctx.add_message(ChatRole.ASSISTANT, "It shipped, and")
    message.interrupted = True
    ctx.add_handoff("billing", from_agent="main", reason="refund request")
    ctx.add_config_update(instructions="ignored")
    ctx.add_message(ChatRole.ASSISTANT, "   ")
    return ctx


def test_transcript_lines() -> None:
    assert render_context_as_text(_conversation()) == "\n".join(
        [
            "User: my order is 42 [image]",
            '[tool call] lookup_order({"id": 42})',
            "[tool result] lookup_order: shipped",
            "[tool call] refund({})",
            "[tool result] refund (error): not allowed",
            "Assistant: It shipped, and [interrupted]",
            "[handoff] main -> billing: refund request",
        ]
    )


def test_instructions_only_on_request() -> None:
    text = render_items_as_text(_conversation().items, include_instructions=True)
    assert text.splitlines()[0] == "System: secret instructions"


def test_accepts_a_list_of_items_and_rejects_other_input() -> None:
    ctx = _conversation()
    assert render_context_as_text(ctx.items) == render_context_as_text(ctx)
    assert render_context_as_text(ChatContext()) == ""
    with pytest.raises(TypeError, match="ChatContext or a sequence"):
        render_context_as_text(42)  # type: ignore[arg-type]
