"""Handing the conversation from one agent to another."""

from __future__ import annotations

import logging
from typing import Any

from ..llm.chat_context import ChatContext
from ..llm.items import ChatRole

logger = logging.getLogger("vocalis.session.handoff")


async def hand_over(session: Any, old: Any, new: Any) -> None:
    """Exit ``old``, give ``new`` the history when it inherits context, and enter ``new``.

    The handoff is recorded in both histories. With ``inherit_context`` the new agent gets a
    copy of the old history with its own instructions in place of the old system prompt.
    """
    old.chat_context.add_handoff(to_agent=new.name, from_agent=old.name)
    try:
        await old.on_exit()
    except Exception:
        logger.exception("on_exit of %s failed", old.name)
    await old.cleanup()
    if new.inherit_context:
        ctx = ChatContext.empty()
        ctx.add_message(ChatRole.SYSTEM, new.instructions)
        ctx.items.extend(old.chat_context.copy(exclude_system_messages=True).items)
        new.chat_context = ctx
    else:
        new.chat_context.add_handoff(to_agent=new.name, from_agent=old.name)
    new.session = session
    session.agent = new
    session.pipeline.set_agent(new)
    session._wire_handoffs()
    await new.initialize_mcp()
    await new.on_enter()
