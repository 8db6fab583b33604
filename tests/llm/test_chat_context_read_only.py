"""ReadOnlyChatContext: a live view that reads and refuses every change."""

from __future__ import annotations

import pytest

from vocalis.llm import ChatContext, ChatRole, ReadOnlyChatContext


def _parent() -> ChatContext:
    ctx = ChatContext()
    ctx.add_message(ChatRole.SYSTEM, "sys")
    ctx.add_message(ChatRole.USER, "hello")
    return ctx


def test_reads_follow_the_live_list() -> None:
    parent = _parent()
    view = ReadOnlyChatContext(parent.items)
    assert [m.text_content for m in view.messages()] == ["sys", "hello"]
    added = parent.add_message(ChatRole.ASSISTANT, "hi!")
    assert view.get_by_id(added.id) is added
    assert view.turn_count() == 1
    assert view.active_config_at() == ("sys", None)
    assert view.to_dict() == parent.to_dict()


def test_copies_and_forks_are_writable() -> None:
    view = ReadOnlyChatContext(_parent().items)
    for writable in (view.copy(), view.fork(), view.fork_filtered(recent_turns=1)):
        assert type(writable) is ChatContext
        writable.add_message(ChatRole.USER, "ok")


def test_items_snapshot_cannot_change_the_parent() -> None:
    parent = _parent()
    view = ReadOnlyChatContext(parent.items)
    view.items.clear()
    assert len(parent.items) == 2


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("add_message", (ChatRole.USER, "x")),
        ("add_function_call", ("f", {})),
        ("add_function_output", ("f", "out", "c")),
        ("add_handoff", ("other",)),
        ("add_config_update", ("x",)),
        ("insert", (None,)),
        ("insert_many", ([],)),
        ("truncate", (1,)),
        ("cleanup", ()),
    ],
)
def test_sync_mutators_raise(method: str, args: tuple) -> None:
    parent = _parent()
    view = ReadOnlyChatContext(parent.items)
    with pytest.raises(RuntimeError, match="read-only"):
        getattr(view, method)(*args)
    assert len(parent.items) == 2


@pytest.mark.parametrize("method", ["summarize", "merge", "merge_result", "merge_with_summary"])
async def test_async_mutators_raise(method: str) -> None:
    parent = _parent()
    view = ReadOnlyChatContext(parent.items)
    with pytest.raises(RuntimeError, match=r"\.copy\(\) or \.fork\(\)"):
        await getattr(view, method)(ChatContext(), llm=None)
    assert len(parent.items) == 2
