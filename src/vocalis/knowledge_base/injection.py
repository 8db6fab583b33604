"""The pipeline's retrieval step: documents for the user's turn, placed before the LLM.

Cascaded mode: ``retrieve_for_reply(agent, chat_context)`` runs when the context ends with a
user message and returns the context text, which the reply shows to the LLM as one-off
instructions (never recorded in the history, so it does not pile up turn after turn).
Hybrid mode: ``retrieve_for_transcript`` and ``Retrieval.enrich`` prefix the transcript sent
to the realtime model, as the reference does. A failing knowledge base never stops a turn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..llm.items import ChatMessage, ChatRole
from ..utils.clock import now

logger = logging.getLogger("vocalis.knowledge_base")


@dataclass
class Retrieval:
    """What one retrieval gave (``context`` None: nothing found or skipped) and how long it
    took, in milliseconds on the session clock."""

    context: str | None
    duration_ms: float

    def enrich(self, transcript: str) -> str:
        """The transcript with the context before it (the reference's hybrid format)."""
        return f"{self.context.rstrip()}\n\nUser: {transcript}" if self.context else transcript


async def retrieve_for_transcript(agent: Any, transcript: str) -> Retrieval | None:
    """Run ``agent.knowledge_base.process_query(transcript)``; None if the agent has none."""
    knowledge_base = getattr(agent, "knowledge_base", None)
    if knowledge_base is None or not transcript.strip():
        return None
    started = now()
    try:
        context = await knowledge_base.process_query(transcript)
    except Exception:
        logger.exception("knowledge base retrieval failed; answering without it")
        context = None
    return Retrieval(context or None, round((now() - started) * 1000.0, 3))


async def retrieve_for_reply(agent: Any, chat_context: Any) -> Retrieval | None:
    """Retrieval for a reply to a user turn: only when the last message is the user's."""
    last = next((i for i in reversed(chat_context.items) if isinstance(i, ChatMessage)), None)
    if last is None or last.role is not ChatRole.USER:
        return None
    return await retrieve_for_transcript(agent, last.text_content)


def with_context(instructions: str | None, retrieval: Retrieval | None) -> str | None:
    """One-off instructions for the reply, with the retrieved context appended."""
    if retrieval is None or not retrieval.context:
        return instructions
    return f"{instructions}\n\n{retrieval.context}" if instructions else retrieval.context
