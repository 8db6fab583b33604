"""ChatContext: additions, queries, ordered inserts, copies, forks and merges."""

from __future__ import annotations

import json

import pytest

from vocalis.llm import (
    AgentConfigUpdate,
    AgentHandoff,
    ChatContext,
    ChatMessage,
    ChatRole,
    FunctionCall,
    FunctionCallOutput,
    ImageContent,
)


def _conversation() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "You are a shop assistant.", created_at=1.0)
    ctx.add_message(ChatRole.USER, "Where is my order?", created_at=2.0, agent_id="main")
    call = ctx.add_function_call("lookup_order", {"id": 7}, call_id="c1", agent_id="main")
    call.created_at = 3.0
    out = ctx.add_function_output("lookup_order", "shipped", "c1", agent_id="main")
    out.created_at = 4.0
    ctx.add_message(ChatRole.ASSISTANT, "It shipped.", created_at=5.0, agent_id="main")
    return ctx


def test_add_message_wraps_text_and_accepts_role_strings() -> None:
    ctx = ChatContext.empty()
    message = ctx.add_message("user", "hi", message_id="msg_x", created_at=12.5, agent_id="a")
    assert message.content == ["hi"]
    assert message.role is ChatRole.USER
    assert (message.id, message.created_at, message.agent_id) == ("msg_x", 12.5, "a")
    assert ctx.items == [message]


def test_add_message_keeps_mixed_content_and_rejects_bad_parts() -> None:
    ctx = ChatContext()
    image = ImageContent(image="https://example.com/cat.png")
    message = ctx.add_message(ChatRole.USER, ["look", image])
    assert message.content == ["look", image]
    with pytest.raises(TypeError, match="str or ImageContent"):
        ctx.add_message(ChatRole.USER, ["ok", 42])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        ctx.add_message("narrator", "hello")


def test_replace_system_removes_every_earlier_system_message() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "old one")
    ctx.add_message(ChatRole.USER, "hi")
    ctx.add_message(ChatRole.SYSTEM, "old two")
    ctx.add_message(ChatRole.SYSTEM, "new", replace=True)
    systems = [m.text_content for m in ctx.messages() if m.role == ChatRole.SYSTEM]
    assert systems == ["new"]
    assert [m.text_content for m in ctx.messages()] == ["hi", "new"]


def test_replace_with_a_non_system_role_removes_nothing() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "keep")
    ctx.add_message(ChatRole.USER, "hi", replace=True)
    assert len(ctx.items) == 2


def test_function_call_arguments_are_stored_as_json() -> None:
    ctx = ChatContext()
    from_dict = ctx.add_function_call("f", {"city": "Paris", "days": 2})
    from_str = ctx.add_function_call("f", '{"a": 1}', call_id="given", metadata={"k": "v"})
    assert json.loads(from_dict.arguments) == {"city": "Paris", "days": 2}
    assert from_dict.call_id.startswith("call_") and len(from_dict.call_id) == 17
    assert (from_str.arguments, from_str.call_id, from_str.metadata) == (
        '{"a": 1}',
        "given",
        {"k": "v"},
    )
    with pytest.raises(TypeError, match="dict or a JSON string"):
        ctx.add_function_call("f", 3)  # type: ignore[arg-type]


def test_function_output_handoff_and_config_update_are_appended() -> None:
    ctx = ChatContext()
    out = ctx.add_function_output("f", "boom", "c9", is_error=True, agent_id="a")
    handoff = ctx.add_handoff("billing", from_agent="main", reason="refund")
    update = ctx.add_config_update(instructions="Be brief.", tools=["refund"], agent_id="b")
    assert isinstance(out, FunctionCallOutput) and out.is_error and out.call_id == "c9"
    assert isinstance(handoff, AgentHandoff) and handoff.to_agent == "billing"
    assert isinstance(update, AgentConfigUpdate) and update.tools == ["refund"]
    assert ctx.items == [out, handoff, update]


def test_queries() -> None:
    ctx = _conversation()
    assert ctx.turn_count() == 1
    assert [m.text_content for m in ctx.messages()] == [
        "You are a shop assistant.",
        "Where is my order?",
        "It shipped.",
    ]
    first = ctx.items[1]
    assert ctx.get_by_id(first.id) is first
    assert ctx.get_by_id("missing") is None
    assert len(ctx.items) == 5
    assert ChatContext(), "an empty context is still a context (truthy), not a falsy container"


def test_estimated_tokens_follows_the_reference_heuristic() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, ["a" * 40, ImageContent(image="data:image/png;base64,AA==")])
    ctx.add_function_call("abcd", "x" * 8, call_id="c")
    ctx.add_function_output("abcd", "y" * 12, "c")
    ctx.add_handoff("other")
    assert ctx.estimated_tokens() == (4 + 10 + 300) + (4 + 1 + 5 + 2) + (4 + 1 + 5 + 3) + 4


def test_insert_is_time_ordered_and_stable() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, "one", created_at=1.0)
    ctx.add_message(ChatRole.USER, "three", created_at=3.0)
    ctx.insert(ChatMessage(role=ChatRole.USER, content=["two"], created_at=2.0))
    ctx.insert(ChatMessage(role=ChatRole.USER, content=["three-bis"], created_at=3.0))
    ctx.insert(ChatMessage(role=ChatRole.USER, content=["zero"], created_at=0.0))
    assert [m.text_content for m in ctx.messages()] == ["zero", "one", "two", "three", "three-bis"]
    with pytest.raises(TypeError, match="not a chat item"):
        ctx.insert("text")  # type: ignore[arg-type]


def test_insert_many_sorts_before_inserting() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, "b", created_at=2.0)
    ctx.insert_many(
        [
            ChatMessage(role=ChatRole.USER, content=["c"], created_at=3.0),
            ChatMessage(role=ChatRole.USER, content=["a"], created_at=1.0),
        ]
    )
    assert [m.text_content for m in ctx.messages()] == ["a", "b", "c"]


def test_cleanup_empties_the_context_and_releases_content() -> None:
    ctx = _conversation()
    message = ctx.items[1]
    call = ctx.items[2]
    ctx.cleanup()
    assert ctx.items == []
    assert message.content == [] and call.arguments == ""


def test_active_config_at_walks_to_the_target() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, ["Be kind.", "Be brief."])
    user = ctx.add_message(ChatRole.USER, "hi")
    ctx.add_config_update(tools=["refund"])
    ctx.add_message(ChatRole.DEVELOPER, "Speak French.")
    ctx.add_config_update(instructions="Speak German.")
    assert ctx.active_config_at(user.id) == ("Be kind. Be brief.", None)
    assert ctx.active_config_at(2) == ("Be kind. Be brief.", ["refund"])
    assert ctx.active_config_at(3) == ("Speak French.", ["refund"])
    assert ctx.active_config_at() == ("Speak German.", ["refund"])
    assert ctx.active_config_at(-2) == ("Speak French.", ["refund"])
    with pytest.raises(ValueError, match="no item with id"):
        ctx.active_config_at("nope")
    with pytest.raises(IndexError):
        ctx.active_config_at(5)


def test_copy_filters() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "sys")
    ctx.add_message(ChatRole.DEVELOPER, "dev")
    ctx.add_message(ChatRole.USER, "   ")
    ctx.add_message(ChatRole.USER, [ImageContent(image="https://x/y.png")])
    ctx.add_function_call("a", {}, call_id="1")
    ctx.add_function_output("a", "ok", "1")
    ctx.add_function_call("b", {}, call_id="2")
    ctx.add_function_output("b", "ok", "2")
    ctx.add_handoff("x")
    ctx.add_config_update(instructions="i")

    def kinds(copy: ChatContext) -> list[str]:
        return [
            f"{item.type}:{item.role.value}" if isinstance(item, ChatMessage) else item.type
            for item in copy.items
        ]

    assert len(ctx.copy().items) == 10
    assert "message:system" not in kinds(ctx.copy(exclude_system_messages=True))
    assert "message:developer" in kinds(ctx.copy(exclude_system_messages=True))
    no_instructions = kinds(ctx.copy(exclude_instructions=True))
    assert "message:system" not in no_instructions and "message:developer" not in no_instructions
    assert kinds(ctx.copy(exclude_empty_messages=True)).count("message:user") == 1
    assert "agent_handoff" not in kinds(ctx.copy(exclude_handoffs=True))
    assert "agent_config_update" not in kinds(ctx.copy(exclude_config_updates=True))
    assert not any("function" in kind for kind in kinds(ctx.copy(tools=[])))
    only_b = ctx.copy(tools=["b"])
    assert [i.name for i in only_b.items if isinstance(i, (FunctionCall, FunctionCallOutput))] == [
        "b",
        "b",
    ]
    assert ctx.copy().items[0] is ctx.items[0]


def test_copy_by_agent_keeps_structural_items() -> None:
    ctx = ChatContext()
    system = ctx.add_message(ChatRole.SYSTEM, "sys")
    mine = ctx.add_message(ChatRole.USER, "mine", agent_id="a")
    ctx.add_message(ChatRole.USER, "theirs", agent_id="b")
    ctx.add_message(ChatRole.USER, "nobody's")
    handoff = ctx.add_handoff("b", from_agent="a")
    update = ctx.add_config_update(tools=[], agent_id="b")
    assert ctx.copy(filter_agent_id="a").items == [system, mine, handoff, update]


def test_fork_is_a_deep_copy() -> None:
    ctx = _conversation()
    fork = ctx.fork()
    assert [i.id for i in fork.items] == [i.id for i in ctx.items]
    fork.items[1].content.append("changed")
    fork.add_message(ChatRole.USER, "only in fork")
    assert ctx.items[1].content == ["Where is my order?"]
    assert len(ctx.items) == 5


def _turns(count: int) -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "sys")
    for turn in range(count):
        ctx.add_message(ChatRole.USER, f"u{turn}")
        ctx.add_message(ChatRole.ASSISTANT, f"a{turn}")
    return ctx


def _texts(ctx: ChatContext) -> list[str]:
    return [m.text_content for m in ctx.messages()]


def test_fork_filtered_keeps_instructions_and_recent_turns() -> None:
    ctx = _turns(5)
    assert _texts(ctx.fork_filtered(recent_turns=2)) == ["sys", "u3", "a3", "u4", "a4"]
    assert _texts(ctx.fork_filtered(recent_turns=1)) == ["sys", "u4", "a4"]
    assert _texts(ctx.fork_filtered(recent_turns=5)) == _texts(ctx)
    assert _texts(ctx.fork_filtered(recent_turns=9)) == _texts(ctx)
    forked = ctx.fork_filtered(recent_turns=1)
    assert forked.items[-1] is not ctx.items[-1]
    with pytest.raises(ValueError, match="recent_turns"):
        ctx.fork_filtered(recent_turns=0)


def test_fork_filtered_scopes_tools_and_drops_cut_pairs() -> None:
    ctx = ChatContext()
    ctx.add_message(ChatRole.USER, "u0")
    ctx.add_function_call("slow", {}, call_id="cut")
    ctx.add_message(ChatRole.USER, "u1")
    ctx.add_function_output("slow", "late", "cut")
    ctx.add_function_call("keep", {}, call_id="k")
    ctx.add_function_output("keep", "ok", "k")
    ctx.add_function_call("other", {}, call_id="o")
    ctx.add_function_output("other", "ok", "o")
    forked = ctx.fork_filtered(recent_turns=1, tools=["keep", "slow"])
    names = [i.name for i in forked.items if isinstance(i, (FunctionCall, FunctionCallOutput))]
    assert names == ["keep", "keep"]


def test_fork_brief() -> None:
    ctx = ChatContext.fork_brief("You handle refunds.", "Refund order 7.", agent_id="refunds")
    assert [(m.role, m.text_content, m.agent_id) for m in ctx.messages()] == [
        (ChatRole.SYSTEM, "You handle refunds.", "refunds"),
        (ChatRole.USER, "Refund order 7.", "refunds"),
    ]
    assert len(ChatContext.fork_brief("Only instructions.").items) == 1
    with pytest.raises(ValueError, match="requires non-empty instructions"):
        ChatContext.fork_brief("  ")


async def test_merge_dedupes_by_id_and_orders_by_time() -> None:
    ctx = _conversation()
    other = ctx.fork()
    other.add_message(ChatRole.USER, "late", created_at=10.0)
    other.add_message(ChatRole.USER, "early", created_at=1.5)
    result = await ctx.merge(other)
    assert result is ctx
    assert _texts(ctx) == [
        "You are a shop assistant.",
        "early",
        "Where is my order?",
        "It shipped.",
        "late",
    ]
    assert len({item.id for item in ctx.items}) == len(ctx.items) == 7
    other.items[-1].content.append("mutated")
    assert ctx.items[1].content == ["early"]


async def test_merge_result_takes_the_last_assistant_message() -> None:
    child = ChatContext()
    child.add_message(ChatRole.ASSISTANT, "thinking")
    child.add_message(ChatRole.ASSISTANT, "Refund done.", agent_id="child")
    child.add_message(ChatRole.USER, "thanks")
    parent = ChatContext()
    await parent.merge_result(child, agent_id="refunds")
    assert [(m.text_content, m.agent_id) for m in parent.messages()] == [
        ("Refund done.", "refunds")
    ]
    assert child.items[1].agent_id == "child"
    await parent.merge_result(child)
    assert len(parent.items) == 1, "the same message is not merged twice"
    await parent.merge_result(ChatContext())
    assert len(parent.items) == 1
