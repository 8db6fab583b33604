"""Truncation by items and tokens: protected items, tool pairs, orphans."""

from __future__ import annotations

import pytest

from vocalis.llm import ChatContext, ChatRole, FunctionCall, FunctionCallOutput
from vocalis.llm.context_budget import (
    drop_orphan_tool_items,
    estimate_tokens,
    protected_item_ids,
    truncate_items,
)


def _labels(ctx: ChatContext) -> list[str]:
    labels = []
    for item in ctx.items:
        if isinstance(item, FunctionCall):
            labels.append(f"call:{item.call_id}")
        elif isinstance(item, FunctionCallOutput):
            labels.append(f"out:{item.call_id}")
        elif item.type == "message":
            labels.append(item.text_content)
        else:
            labels.append(item.type)
    return labels


def _history() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "sys")
    ctx.add_message(ChatRole.USER, "u1")
    ctx.add_function_call("f", {}, call_id="c1")
    ctx.add_function_output("f", "r1", "c1")
    ctx.add_message(ChatRole.ASSISTANT, "a1")
    ctx.add_message(ChatRole.USER, "u2")
    ctx.add_message(ChatRole.ASSISTANT, "a2")
    return ctx


def test_no_budget_is_a_no_op() -> None:
    ctx = _history()
    before = _labels(ctx)
    assert ctx.truncate() is ctx
    assert _labels(ctx) == before


def test_truncate_by_items_drops_oldest_unprotected_first() -> None:
    ctx = _history()
    ctx.truncate(max_items=6)
    assert _labels(ctx) == ["sys", "call:c1", "out:c1", "a1", "u2", "a2"]


def test_a_tool_pair_at_the_boundary_leaves_together() -> None:
    ctx = _history()
    ctx.truncate(max_items=5)
    assert _labels(ctx) == ["sys", "a1", "u2", "a2"]


def test_protected_items_stay_even_over_budget() -> None:
    ctx = _history()
    ctx.add_handoff("billing")
    ctx.add_message(ChatRole.ASSISTANT, "[Conversation Summary]\nolder").extra["summary"] = True
    ctx.truncate(max_items=1)
    assert _labels(ctx) == ["sys", "u2", "agent_handoff", "[Conversation Summary]\nolder"]


def test_only_the_first_system_message_is_protected() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "first")
    ctx.add_message(ChatRole.DEVELOPER, "second")
    ctx.add_message(ChatRole.USER, "u")
    ctx.truncate(max_items=0)
    assert _labels(ctx) == ["first", "u"]


def test_truncate_by_tokens() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "s" * 40)  # 14 tokens
    for n in range(5):
        ctx.add_message(ChatRole.ASSISTANT, f"{n}" * 40)  # 14 tokens each
    ctx.add_message(ChatRole.USER, "u" * 40)  # 14 tokens
    ctx.truncate(max_tokens=14 * 4)
    assert ctx.estimated_tokens() <= 14 * 4
    assert _labels(ctx) == ["s" * 40, "3" * 40, "4" * 40, "u" * 40]


def test_token_and_item_budgets_both_apply() -> None:
    ctx = _history()
    ctx.truncate(max_items=10, max_tokens=estimate_tokens(ctx.items) - 1)
    assert _labels(ctx) == ["sys", "call:c1", "out:c1", "a1", "u2", "a2"]


def test_orphans_are_dropped() -> None:
    ctx = ChatContext()
    ctx.add_function_output("f", "no call", "ghost")
    ctx.add_message(ChatRole.USER, "u")
    ctx.add_function_call("g", {}, call_id="pending")
    ctx.add_function_call("h", {}, call_id="ok")
    ctx.add_function_output("h", "r", "ok")
    assert [i.call_id for i in drop_orphan_tool_items(ctx.items) if hasattr(i, "call_id")] == [
        "ok",
        "ok",
    ]
    ctx.truncate(max_items=100)
    assert _labels(ctx) == ["u", "call:ok", "out:ok"]


def test_an_output_before_its_call_still_leaves_with_it() -> None:
    ctx = ChatContext()
    ctx.add_function_output("f", "r", "odd")
    ctx.add_message(ChatRole.ASSISTANT, "a")
    ctx.add_function_call("f", {}, call_id="odd")
    ctx.add_message(ChatRole.USER, "u")
    ctx.truncate(max_items=3)
    assert _labels(ctx) == ["a", "u"]


def test_protected_ids() -> None:
    ctx = _history()
    ids = protected_item_ids(ctx.items)
    assert ids == {ctx.items[0].id, ctx.items[5].id}


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_limits_raise(bad: object) -> None:
    with pytest.raises(ValueError, match="non-negative int"):
        truncate_items([], max_items=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative int"):
        truncate_items([], max_tokens=bad)  # type: ignore[arg-type]
