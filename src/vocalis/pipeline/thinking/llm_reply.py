"""The thinking stage: ask the LLM, run the tools it calls, ask again, stream the text.

``generate_reply`` is an async generator of text deltas with a ``STEP_END`` marker after each
LLM step that called tools. The number of LLM steps is bounded: the last allowed step is made
without tools, so the LLM has to answer in words.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from ...llm.chat_context import ChatContext
from ...llm.items import ChatRole
from ...llm.llm import LLM, LLMError, LLMResponse
from ...utils.clock import now
from .step_marker import STEP_END, StepEnd
from .tool_runner import ToolCallRequest, ToolOutcome, ToolRunner

logger = logging.getLogger("vocalis.pipeline.reply")

DEFAULT_MAX_TOOL_STEPS = 5


@dataclass
class ReplyStats:
    """What one reply did, for metrics and for the handoff decision."""

    started_at: float = field(default_factory=now)
    first_token_at: float | None = None
    steps: int = 0
    tool_outcomes: list[ToolOutcome] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    handoff_to: Any = None


async def generate_reply(
    llm: LLM,
    chat_context: ChatContext,
    *,
    tools: list[Any],
    runner: ToolRunner,
    stats: ReplyStats,
    agent_id: str | None = None,
    max_tool_steps: int = DEFAULT_MAX_TOOL_STEPS,
    max_tool_calls: int | None = None,
    is_agent: Callable[[Any], bool] = lambda v: False,
    on_tools_running: Callable[[bool], None] | None = None,
    first_step: AsyncIterator[LLMResponse] | None = None,
    extra_instructions: str | None = None,
    first_token_timeout: float | None = None,
    stall_timeout: float | None = None,
) -> AsyncIterator[str | StepEnd]:
    """Stream the agent's reply to ``chat_context``; tool calls and results are recorded in it.

    ``first_step`` replaces the first LLM call (a preemptive generation being replayed);
    ``extra_instructions`` are shown to the LLM for this reply only, never recorded. An LLM
    step that sends nothing for ``first_token_timeout`` seconds, or stops sending for
    ``stall_timeout`` seconds mid-answer, fails with ``LLMError`` instead of hanging the call.
    At most ``max_tool_calls`` calls run in all (None: no cap); calls beyond it are dropped.
    """
    calls_left = max_tool_calls
    for step in range(max_tool_steps + 1):
        stats.steps = step + 1
        out_of_calls = calls_left is not None and calls_left <= 0
        offer_tools = tools if step < max_tool_steps and not out_of_calls else []
        text_parts: list[str] = []
        calls: list[ToolCallRequest] = []
        if step == 0 and first_step is not None:
            source = first_step
        else:
            request_ctx = chat_context
            if extra_instructions:
                request_ctx = chat_context.copy()
                request_ctx.add_message(ChatRole.SYSTEM, extra_instructions)
            source = llm.chat(request_ctx, tools=offer_tools or None)
        try:
            async for chunk in _bounded(source, llm, first_token_timeout, stall_timeout):
                if stats.first_token_at is None:
                    stats.first_token_at = now()
                metadata = chunk.metadata or {}
                if "usage" in metadata:
                    stats.usage = metadata["usage"]
                call = metadata.get("function_call")
                if call:
                    calls.append(
                        ToolCallRequest(
                            name=str(call.get("name", "")),
                            arguments=call.get("arguments") or {},
                            call_id=str(call.get("id") or call.get("call_id") or _call_id()),
                        )
                    )
                elif chunk.content:
                    text_parts.append(chunk.content)
                    yield chunk.content
        except LLMError:
            raise
        except Exception as exc:
            raise LLMError(f"{llm.label} failed: {exc}") from exc
        if calls and calls_left is not None:
            if len(calls) > calls_left:
                logger.warning("tool call limit reached (%d per reply): %d call(s) dropped",
                               max_tool_calls, len(calls) - calls_left)
                calls = calls[:calls_left]
                if not calls:
                    continue  # ask again without tools: the LLM answers in words
            calls_left -= len(calls)
        if not calls:
            return
        step_text = "".join(text_parts).strip()
        if step_text:
            chat_context.add_message(ChatRole.ASSISTANT, step_text, agent_id=agent_id)
        yield STEP_END
        if on_tools_running is not None:
            on_tools_running(True)
        try:
            outcomes = await runner.run(calls, tools, chat_context, agent_id=agent_id)
        finally:
            if on_tools_running is not None:
                on_tools_running(False)
        stats.tool_outcomes.extend(outcomes)
        handoff = next((o.value for o in outcomes if is_agent(o.value)), None)
        if handoff is not None:
            stats.handoff_to = handoff
            return


async def _bounded(
    source: AsyncIterator[LLMResponse],
    llm: LLM,
    first_timeout: float | None,
    stall_timeout: float | None,
) -> AsyncIterator[LLMResponse]:
    """``source``, failing with ``LLMError`` when a chunk takes longer than allowed."""
    iterator = source.__aiter__()
    waiting_for_first = True
    try:
        while True:
            timeout = first_timeout if waiting_for_first else stall_timeout
            try:
                async with asyncio.timeout(timeout):
                    chunk = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                what = "no answer within" if waiting_for_first else "the answer stopped for"
                raise LLMError(f"{llm.label}: {what} {timeout:g} s") from None
            waiting_for_first = False
            yield chunk
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            await close()


def _call_id() -> str:
    return f"call_{uuid.uuid4().hex[:12]}"
