"""Summarization of a ChatContext and sub-agent summaries, with a scripted fake LLM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from vocalis.llm import (
    LLM,
    ChatContext,
    ChatMessage,
    ChatRole,
    FunctionCall,
    FunctionCallOutput,
    LLMError,
    LLMResponse,
)


class ScriptedLLM(LLM):
    """Streams a fixed reply in two chunks and records every request it gets."""

    def __init__(self, reply: str = "User asked about order 7; it shipped.") -> None:
        super().__init__()
        self.reply = reply
        self.requests: list[ChatContext] = []

    async def chat(
        self, messages: ChatContext, tools: Any = None, **kwargs: Any
    ) -> AsyncIterator[LLMResponse]:  # type: ignore[override]
        self.requests.append(messages)
        half = len(self.reply) // 2
        for piece in (self.reply[:half], "", self.reply[half:]):
            yield LLMResponse(content=piece)


class FailingLLM(LLM):
    async def chat(
        self, messages: ChatContext, tools: Any = None, **kwargs: Any
    ) -> AsyncIterator[LLMResponse]:  # type: ignore[override]
        raise LLMError("provider down")
        yield  # pragma: no cover


def _long_conversation() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "You are a shop assistant.", created_at=0.0)
    ctx.add_config_update(instructions="Be brief.").created_at = 0.5
    for turn in range(5):
        t = float(turn + 1)
        ctx.add_message(ChatRole.USER, f"question {turn}", created_at=t)
        ctx.add_message(ChatRole.ASSISTANT, f"answer {turn}", created_at=t + 0.5)
    return ctx


async def test_summarize_replaces_old_turns_with_one_summary_message() -> None:
    ctx = _long_conversation()
    llm = ScriptedLLM()
    result = await ctx.summarize(llm, keep_recent_turns=2)
    assert result is ctx
    texts = [m.text_content for m in ctx.messages()]
    assert texts == [
        "You are a shop assistant.",
        "[Conversation Summary]\nUser asked about order 7; it shipped.",
        "question 3",
        "answer 3",
        "question 4",
        "answer 4",
    ]
    assert ctx.items[1].type == "agent_config_update"
    summary = ctx.messages()[1]
    assert summary.role == ChatRole.ASSISTANT and summary.extra == {"summary": True}
    assert summary.created_at == 3.5, "placed in time after what it summarizes"
    request = llm.requests[0]
    assert request.messages()[0].role == ChatRole.SYSTEM
    transcript = request.messages()[1].text_content
    assert "User: question 0" in transcript and "Assistant: answer 2" in transcript
    assert "question 3" not in transcript and "shop assistant" not in transcript


async def test_summarize_is_a_no_op_with_few_turns() -> None:
    ctx = _long_conversation()
    llm = ScriptedLLM()
    await ctx.summarize(llm, keep_recent_turns=5)
    assert len(ctx.items) == 12 and llm.requests == []


async def test_empty_summary_leaves_the_context_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    ctx = _long_conversation()
    before = [item.id for item in ctx.items]
    await ctx.summarize(ScriptedLLM(reply="   "), keep_recent_turns=1)
    assert [item.id for item in ctx.items] == before
    assert "no text" in caplog.text


async def test_summarize_propagates_provider_errors() -> None:
    ctx = _long_conversation()
    with pytest.raises(LLMError):
        await ctx.summarize(FailingLLM(), keep_recent_turns=1)
    assert len(ctx.items) == 12


async def test_summarize_keeps_a_call_whose_output_is_recent() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, "old question")
    ctx.add_function_call("done", {}, call_id="old")
    ctx.add_function_output("done", "ok", "old")
    ctx.add_function_call("slow_lookup", {"id": 1}, call_id="pending")
    ctx.add_message(ChatRole.USER, "are you there?")
    ctx.add_function_output("slow_lookup", "found", "pending")
    await ctx.summarize(ScriptedLLM("summary"), keep_recent_turns=1)
    kinds = [(item.type, getattr(item, "call_id", None)) for item in ctx.items]
    assert kinds == [
        ("message", None),
        ("function_call", "pending"),
        ("message", None),
        ("function_call_output", "pending"),
    ]
    assert ctx.messages()[0].extra == {"summary": True}


async def test_earlier_summaries_stay_verbatim() -> None:
    ctx = _long_conversation()
    await ctx.summarize(ScriptedLLM("first"), keep_recent_turns=2)
    ctx.add_message(ChatRole.USER, "question 5", created_at=6.0)
    ctx.add_message(ChatRole.USER, "question 6", created_at=7.0)
    llm = ScriptedLLM("second")
    await ctx.summarize(llm, keep_recent_turns=1)
    summaries = [m.text_content for m in ctx.messages() if m.extra.get("summary")]
    assert summaries == ["[Conversation Summary]\nfirst", "[Conversation Summary]\nsecond"]
    assert "first" not in llm.requests[0].messages()[1].text_content


async def test_merge_with_summary_appends_a_protected_sub_agent_summary() -> None:
    child = ChatContext()
    child.add_message(ChatRole.USER, "refund order 7")
    call = child.add_function_call("refund", {"order": 7})
    child.add_function_output("refund", "refunded", call.call_id)
    parent = ChatContext()
    llm = ScriptedLLM("Order 7 refunded.")
    await parent.merge_with_summary(child, llm=llm, agent_id="refunds")
    (message,) = parent.items
    assert isinstance(message, ChatMessage)
    assert message.text_content == "[Sub-agent Summary]\nOrder 7 refunded."
    assert (message.extra, message.agent_id) == ({"summary": True}, "refunds")
    transcript = llm.requests[0].messages()[1].text_content
    assert "[tool call] refund(" in transcript and "[tool result] refund: refunded" in transcript


async def test_merge_with_summary_of_nothing_adds_nothing() -> None:
    parent = ChatContext()
    llm = ScriptedLLM()
    await parent.merge_with_summary(ChatContext(), llm=llm)
    assert parent.items == [] and llm.requests == []


async def test_summary_keeps_tool_pairs_together_after_truncation() -> None:
    ctx = _long_conversation()
    ctx.add_function_call("f", {}, call_id="x")
    ctx.add_function_output("f", "y", "x")
    await ctx.summarize(ScriptedLLM(), keep_recent_turns=1)
    ctx.truncate(max_items=3)
    calls = [i.call_id for i in ctx.items if isinstance(i, FunctionCall)]
    outputs = [i.call_id for i in ctx.items if isinstance(i, FunctionCallOutput)]
    assert calls == outputs
