"""Handing the conversation from one agent to another."""

from __future__ import annotations

import logging
from typing import Any

from ..llm.chat_context import ChatContext
from ..llm.items import AgentHandoff, ChatMessage, ChatRole

logger = logging.getLogger("vocalis.session.handoff")


def record_handoff(old: Any, new: Any) -> AgentHandoff:
    """The handoff item in the old agent's history: the one a tool recorded during this turn
    (``chat_context.add_handoff(..., reason=...)``, as the reference's examples do) when there
    is one, so the new agent reads its reason; else a new one."""
    for item in reversed(old.chat_context.items):
        if isinstance(item, AgentHandoff):
            return item
        if isinstance(item, ChatMessage) and item.role is ChatRole.USER:
            break
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
