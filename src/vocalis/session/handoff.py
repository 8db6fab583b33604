"""Handing the conversation from one agent to another."""

from __future__ import annotations

import logging
from typing import Any

from ..llm.chat_context import ChatContext
from ..llm.items import AgentHandoff, ChatRole

logger = logging.getLogger("vocalis.session.handoff")


def record_handoff(old: Any, new: Any) -> AgentHandoff:
    """The handoff item in the old agent's history: the one a tool already added (with its
    reason) when there is one, else a new one."""
    items = old.chat_context.items
    last = items[-1] if items else None
    if isinstance(last, AgentHandoff) and last.to_agent == new.name:
        return last
    return old.chat_context.add_handoff(to_agent=new.name, from_agent=old.name)


def new_agent_context(old: Any, new: Any, handoff: AgentHandoff) -> None:
    """Give ``new`` its history: with ``inherit_context`` a copy of the old one under its own
    instructions, else its own history plus the same handoff item (so it is one event)."""
    if new.inherit_context:
        ctx = ChatContext.empty()
        ctx.add_message(ChatRole.SYSTEM, new.instructions)
        ctx.items.extend(old.chat_context.copy(exclude_system_messages=True).items)
        new.chat_context = ctx
    elif handoff not in new.chat_context.items:
        new.chat_context.items.append(handoff)
