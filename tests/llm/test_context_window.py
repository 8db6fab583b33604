"""ContextWindow: summarize when over budget with enough turns, then truncate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from vocalis.llm import LLM, ChatContext, ChatRole, ContextWindow, LLMError, LLMResponse


class ScriptedLLM(LLM):
    def __init__(self, reply: str = "short summary") -> None:
        super().__init__()
        self.reply = reply
        self.calls = 0

    async def chat(
        self, messages: ChatContext, tools: Any = None, **kwargs: Any
    ) -> AsyncIterator[LLMResponse]:  # type: ignore[override]
        self.calls += 1
        yield LLMResponse(content=self.reply)


class BrokenLLM(LLM):
    async def chat(
        self, messages: ChatContext, tools: Any = None, **kwargs: Any
    ) -> AsyncIterator[LLMResponse]:  # type: ignore[override]
        raise LLMError("down")
        yield  # pragma: no cover


def _turns(count: int) -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "sys")
    for turn in range(count):
        ctx.add_message(ChatRole.USER, f"question number {turn} " * 5)
        ctx.add_message(ChatRole.ASSISTANT, f"answer number {turn} " * 5)
    return ctx


def _summaries(ctx: ChatContext) -> list[str]:
    return [m.text_content for m in ctx.messages() if m.extra.get("summary")]


def test_defaults_and_validation() -> None:
    window = ContextWindow()
    assert (window.max_tokens, window.max_context_items, window.keep_recent_turns) == (
        None,
        None,
        3,
    )
    assert window.max_tool_calls_per_turn == 10 and window.summary_llm is None
    for bad in ({"max_tokens": 0}, {"max_context_items": -1}, {"keep_recent_turns": -1}):
        with pytest.raises(ValueError):
            ContextWindow(**bad)


async def test_within_budget_nothing_changes() -> None:
    ctx = _turns(6)
    llm = ScriptedLLM()
    await ContextWindow(max_context_items=100).manage(ctx, llm)
    assert len(ctx.items) == 13 and llm.calls == 0


async def test_over_item_budget_summarizes_then_truncates() -> None:
    ctx = _turns(6)
    llm = ScriptedLLM()
    await ContextWindow(max_context_items=6, keep_recent_turns=2).manage(ctx, llm)
    assert llm.calls == 1
    assert _summaries(ctx) == ["[Conversation Summary]\nshort summary"]
    assert len(ctx.items) == 6
    assert ctx.messages()[-1].text_content.startswith("answer number 5")


async def test_over_token_budget_uses_the_summary_llm() -> None:
    ctx = _turns(6)
    main, summarizer = ScriptedLLM(), ScriptedLLM("from summarizer")
    window = ContextWindow(max_tokens=200, keep_recent_turns=1, summary_llm=summarizer)
    await window.manage(ctx, main)
    assert (main.calls, summarizer.calls) == (0, 1)
    assert _summaries(ctx) == ["[Conversation Summary]\nfrom summarizer"]
    assert ctx.estimated_tokens() <= 200


async def test_too_few_turns_only_truncates() -> None:
    ctx = _turns(3)
    llm = ScriptedLLM()
    await ContextWindow(max_context_items=4, keep_recent_turns=2).manage(ctx, llm)
    assert llm.calls == 0 and _summaries(ctx) == []
    assert len(ctx.items) == 4


async def test_summary_errors_are_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    ctx = _turns(6)
    await ContextWindow(max_context_items=5, keep_recent_turns=1).manage(ctx, BrokenLLM())
    assert "summarizing the conversation failed" in caplog.text
    assert len(ctx.items) == 5 and _summaries(ctx) == []


async def test_without_any_llm_it_warns_and_truncates(caplog: pytest.LogCaptureFixture) -> None:
    ctx = _turns(6)
    await ContextWindow(max_context_items=5, keep_recent_turns=1).manage(ctx, None)
    assert "no LLM to summarize" in caplog.text
    assert len(ctx.items) == 5
