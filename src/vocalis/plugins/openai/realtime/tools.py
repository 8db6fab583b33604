"""Client-side tool calls of the realtime model: run each call, send its output, and ask for
the next response once every call of a response is answered and the response is done."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ....llm.tools import find_tool, invoke_tool
from ....utils.tasks import TaskGroup

logger = logging.getLogger("vocalis.plugins.openai.realtime")


@dataclass
class _ResponseCalls:
    pending: int = 0
    ran: int = 0
    done: bool = False
    continued: bool = False
    call_ids: set[str] = field(default_factory=set)


class RealtimeToolRunner:
    """Runs tool calls by ``call_id`` (each at most once) and continues the conversation."""

    def __init__(
        self,
        send: Callable[[dict[str, Any]], Awaitable[None]],
        create_response: Callable[[], Awaitable[None]],
        on_executed: Callable[[dict[str, Any]], None],
    ) -> None:
        self._send = send
        self._create_response = create_response
        self._on_executed = on_executed
        self._responses: dict[str, _ResponseCalls] = {}
        self._seen: set[str] = set()
        self._tasks = TaskGroup("openai-realtime-tool")
        self.tools: list[Any] = []

    def start(self, response_id: str, call_id: str, name: str, arguments: str) -> None:
        if not call_id or call_id in self._seen:
            return
        self._seen.add(call_id)
        state = self._responses.setdefault(response_id, _ResponseCalls())
        state.pending += 1
        self._tasks.spawn(self._run(response_id, state, call_id, name, arguments))

    async def response_done(self, response_id: str) -> None:
        state = self._responses.get(response_id)
        if state is not None:
            state.done = True
            await self._maybe_continue(response_id, state)

    async def _run(
        self, response_id: str, state: _ResponseCalls, call_id: str, name: str, arguments: str
    ) -> None:
        tool = find_tool(self.tools, name)
        if tool is None:
            output, is_error = f"Unknown tool: {name}", True
        else:
            result = await invoke_tool(tool, arguments)
            output, is_error = result.output, result.is_error
        self._on_executed(
            {
                "name": name,
                "arguments": arguments,
                "call_id": call_id,
                "output": output,
                "is_error": is_error,
            }
        )
        try:
            await self._send(
                {
                    "type": "conversation.item.create",
                    "item": {"type": "function_call_output", "call_id": call_id, "output": output},
                }
            )
        finally:
            state.pending -= 1
            state.ran += 1
        await self._maybe_continue(response_id, state)

    async def _maybe_continue(self, response_id: str, state: _ResponseCalls) -> None:
        if state.done and state.pending == 0 and state.ran > 0 and not state.continued:
            state.continued = True
            self._responses.pop(response_id, None)
            await self._create_response()

    async def aclose(self) -> None:
        await self._tasks.aclose()

    async def wait_idle(self) -> None:
        """Wait for running tool calls (for tests and orderly shutdown)."""
        while len(self._tasks):
            await asyncio.sleep(0.005)
