"""A text-only conversation with an agent: how a specialist answers delegated questions, and
how an agent served over the A2A protocol answers each conversation.

The agent runs in its own ``AgentSession`` on an LLM-only pipeline; each question is one
text-mode turn (``session.run``), so its instructions, tools, knowledge base and history all
apply. Turns are taken one at a time.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..pipeline.pipeline import Pipeline
from .session import AgentSession


class TextConversation:
    """Asks ``agent`` questions in text, over ``llm``, keeping the conversation's history."""

    def __init__(self, agent: Any, llm: Any) -> None:
        self.agent = agent
        self.session = AgentSession(agent, Pipeline(llm=llm))
        self._lock = asyncio.Lock()
        self._started = False

    async def ask(self, text: str) -> str:
        """The agent's final answer to ``text`` (empty if it said nothing)."""
        async with self._lock:
            if not self._started:
                self._started = True
                await self.session.start()
            result = await self.session.run(user_input=text)
        return result.final_output or ""

    async def aclose(self) -> None:
        await self.session.close()
