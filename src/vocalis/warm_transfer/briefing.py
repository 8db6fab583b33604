"""``WarmTransferAgent``: the agent that briefs the supervisor on the consultation call, and
the summary it reads."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ..agent import Agent
from ..llm.chat_context import ChatContext
from ..llm.items import ChatRole
from ..llm.tools import function_tool

logger = logging.getLogger("vocalis.warm_transfer")

SUMMARY_PROMPT = (
    "You summarize phone calls for a human supervisor who is about to take over. Write a "
    "briefing under 150 words: who the caller is if known, their issue, what the agent already "
    "did, and what the supervisor needs to resolve. No greeting, no preamble."
)
FALLBACK_SUMMARY = "The caller asked for a person; no conversation summary is available."

BRIEFING_INSTRUCTIONS = (
    "You are an AI assistant on a private call with a human supervisor, briefing them about a "
    "caller the primary agent is handing over. Narrate the call summary clearly and briefly, "
    "then ask whether they are ready to take the call. Do not call any tool while you narrate. "
    "When the supervisor answers, call exactly one tool: done_briefing if they agree, "
    "decline_transfer with their reason if they refuse, voicemail_detected if you hear an "
    "answering machine."
)

BRIEFING_APOLOGIES = {
    "declined": "The supervisor isn't able to take this call right now; let me keep helping you.",
    "voicemail": "I couldn't reach a live supervisor; let me keep helping you.",
    "supervisor_disconnected": "I lost the supervisor before we could connect you; let me keep "
                               "helping you.",
}


def render_history(items: list[dict[str, Any]]) -> str:
    """``get_context_history()`` items as a "Caller: ... / Agent: ..." transcript."""
    speakers = {"user": "Caller", "assistant": "Agent"}
    lines = []
    for item in items:
        if item.get("type", "message") != "message" or item.get("role") not in speakers:
            continue
        content = item.get("content")
        text = " ".join(p for p in content if isinstance(p, str)) if isinstance(content, list) \
            else str(content or "")
        if text.strip():
            lines.append(f"{speakers[item['role']]}: {text.strip()}")
    return "\n".join(lines)


async def summarize(llm: Any, history: list[dict[str, Any]], prompt: str | None) -> str:
    """One LLM summary of the call (one retry), or ``FALLBACK_SUMMARY``."""
    transcript = render_history(history)
    if llm is None or not transcript:
        return FALLBACK_SUMMARY
    for attempt in (1, 2):
        ctx = ChatContext()
        ctx.add_message(ChatRole.SYSTEM, prompt or SUMMARY_PROMPT)
        ctx.add_message(ChatRole.USER, f"Here is the call transcript. Summarize it.\n\n{transcript}")
        try:
            text = "".join([c.content async for c in llm.chat(ctx) if c.content]).strip()
        except Exception as exc:
            logger.warning("warm transfer summary, attempt %d failed: %s", attempt, exc)
            continue
        if text:
            return text
    return FALLBACK_SUMMARY


class WarmTransferAgent(Agent):
    """Waits for the supervisor, reads them the summary, and reports their answer through its
    tools (``briefing_done`` / ``briefing_failed`` events; ``failure_reason`` says why)."""

    def __init__(self, summary: str, instructions: str | None = None) -> None:
        super().__init__(instructions=instructions or BRIEFING_INSTRUCTIONS)
        self.summary = summary
        self.supervisor_ready = asyncio.Event()
        self.briefing_done = asyncio.Event()
        self.briefing_failed = asyncio.Event()
        self.failure_reason: str | None = None

    async def on_enter(self) -> None:
        self.chat_context.add_message(ChatRole.SYSTEM,
                                      f"CALL SUMMARY TO BRIEF THE SUPERVISOR:\n{self.summary}")
        await self.supervisor_ready.wait()
        await self.session.say("Hi, I'm the AI assistant. Let me bring you up to speed on a call.")
        await self.session.reply(
            "Narrate the call summary to the supervisor (no preamble), then ask whether they "
            "are ready to take the call. Do not call a tool in this message.",
            wait_for_playback=False)

    async def on_exit(self) -> None:
        self.supervisor_ready.set()

    def fail(self, reason: str) -> None:
        if not self.briefing_failed.is_set():
            self.failure_reason = reason
            self.briefing_failed.set()

    @function_tool
    async def done_briefing(self) -> str:
        """The supervisor agreed to take the call."""
        self.briefing_done.set()
        return "Connecting the caller now."

    @function_tool
    async def decline_transfer(self, reason: str) -> str:
        """The supervisor declined to take the call.

        Args:
            reason: why, in a few words
        """
        logger.info("the supervisor declined the transfer: %s", reason)
        self.fail("declined")
        return "Understood; the caller stays with the primary agent."

    @function_tool
    async def voicemail_detected(self) -> str:
        """The supervisor's line went to voicemail or an answering machine."""
        self.fail("voicemail")
        return "Voicemail; the transfer is off."
