"""Runs the tool calls of an LLM step: in parallel, once, and surviving barge-in.

Each call runs in a task owned by the session, not by the reply: when the user interrupts,
the reply is cancelled but the tools finish and their call and result are recorded together in
the chat context, once. A call whose ``call_id`` already has an output is never run again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...llm.chat_context import ChatContext
from ...llm.items import FunctionCallOutput
from ...llm.tools import find_tool, get_tool_info, invoke_tool
from ...utils.clock import now
from ...utils.tasks import TaskGroup

logger = logging.getLogger("vocalis.pipeline.tools")


@dataclass
class ToolCallRequest:
    """A complete tool call from the LLM."""

    name: str
    arguments: dict[str, Any] | str
    call_id: str


@dataclass
class ToolOutcome:
    """A finished call: what the LLM will read, and the tool's raw return value."""

    call: ToolCallRequest
    output: str
    is_error: bool
    value: Any
    duration: float


class ToolRunner:
    """Executes tool calls for one session."""

    def __init__(
        self,
        tasks: TaskGroup,
        *,
        on_outcome: Callable[[ToolOutcome], None] | None = None,
        is_agent: Callable[[Any], bool] = lambda v: False,
    ) -> None:
        self._tasks = tasks
        self._on_outcome = on_outcome
        self._is_agent = is_agent
        self._pending: dict[str, asyncio.Task[ToolOutcome]] = {}

    @property
    def running(self) -> bool:
        return bool(self._pending)

    async def wait_pending(self) -> None:
        """Wait for calls still running from an interrupted reply, so their results are in
        the context before the LLM is asked again."""
        pending = list(self._pending.values())
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def run(
        self,
        calls: list[ToolCallRequest],
        tools: list[Any],
        chat_context: ChatContext,
        *,
        agent_id: str | None = None,
    ) -> list[ToolOutcome]:
        """Run ``calls`` in parallel; results are recorded in ``chat_context`` as they finish."""
        tasks = []
        for call in calls:
            task = self._pending.get(call.call_id)
            if task is None:
                task = self._tasks.spawn(
                    self._execute(call, tools, chat_context, agent_id), name=f"tool:{call.name}"
                )
                self._pending[call.call_id] = task
                task.add_done_callback(lambda _t, cid=call.call_id: self._pending.pop(cid, None))
            tasks.append(task)
        gathered = asyncio.gather(*tasks)
        gathered.add_done_callback(_retrieve)
        return list(await asyncio.shield(gathered))

    async def _execute(
        self,
        call: ToolCallRequest,
        tools: list[Any],
        chat_context: ChatContext,
        agent_id: str | None,
    ) -> ToolOutcome:
        started = now()
        previous = _recorded_output(chat_context, call.call_id)
        if previous is not None:
            return ToolOutcome(call, previous.output, previous.is_error, None, 0.0)
        tool = find_tool(tools, call.name)
        if tool is None:
            available = ", ".join(sorted(_tool_names(tools))) or "none"
            output, is_error, value = (
                f"Unknown tool '{call.name}'. Available tools: {available}.",
                True,
                None,
            )
        else:
            result = await invoke_tool(tool, call.arguments)
            output, is_error, value = result.output, result.is_error, result.value
            if self._is_agent(value):
                output = f"Transferred to {type(value).__name__}"  # the reference's wording
        arguments = (
            call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
        )
        chat_context.add_function_call(
            name=call.name, arguments=arguments, call_id=call.call_id, agent_id=agent_id
        )
        chat_context.add_function_output(
            name=call.name, output=output, call_id=call.call_id, is_error=is_error,
            agent_id=agent_id,
        )
        outcome = ToolOutcome(call, output, is_error, value, now() - started)
        if self._on_outcome is not None:
            try:
                self._on_outcome(outcome)
            except Exception:
                logger.exception("tool outcome listener failed")
        return outcome


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Results of tools whose reply was interrupted are read from the context, not here."""
    if not future.cancelled():
        future.exception()


def _recorded_output(ctx: ChatContext, call_id: str) -> FunctionCallOutput | None:
    for item in ctx.items:
        if isinstance(item, FunctionCallOutput) and item.call_id == call_id:
            return item
    return None


def _tool_names(tools: list[Any]) -> list[str]:
    names = []
    for t in tools:
        try:
            names.append(get_tool_info(t).name)
        except ValueError:
            continue
    return names
