"""An LLM for tests: answers from a script, with the timing you ask for."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from ..llm.chat_context import ChatContext
from ..llm.llm import LLM, LLMError, LLMResponse


@dataclass
class FakeToolCall:
    """A tool call the fake LLM makes."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    call_id: str = field(default_factory=lambda: f"call_{uuid.uuid4().hex[:8]}")


@dataclass
class FakeResponse:
    """One LLM answer: text streamed word by word after ``ttft`` seconds, and/or tool calls.

    ``error`` makes the request fail after ``ttft`` (after the text, with ``fail_after_text``).
    """

    text: str = ""
    tool_calls: list[FakeToolCall] = field(default_factory=list)
    ttft: float = 0.0
    seconds_per_token: float = 0.0
    error: str | None = None
    fail_after_text: bool = False


Responder = Callable[[ChatContext], "FakeResponse | str"]


class FakeLLM(LLM):
    """Replies with the scripted ``responses`` in order (strings are plain text answers), or
    with ``respond(ctx)`` when given. Every request is kept in ``requests``."""

    def __init__(
        self,
        responses: list[FakeResponse | str] | None = None,
        *,
        respond: Responder | None = None,
        default: FakeResponse | str | None = None,
    ) -> None:
        super().__init__()
        self._responses = list(responses or [])
        self._respond = respond
        self._default = default
        self.requests: list[ChatContext] = []
        self.tools_seen: list[list[Any]] = []
        self.cancelled = 0

    def _next(self, ctx: ChatContext) -> FakeResponse:
        if self._respond is not None:
            answer: FakeResponse | str = self._respond(ctx)
        elif self._responses:
            answer = self._responses.pop(0)
        elif self._default is not None:
            answer = self._default
        else:
            raise LLMError("FakeLLM has no scripted response left", retryable=False)
        return FakeResponse(text=answer) if isinstance(answer, str) else answer

    async def chat(
        self,
        messages: ChatContext,
        tools: list[Any] | None = None,
        conversational_graph: Any | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[LLMResponse]:
        self.requests.append(messages.copy())
        self.tools_seen.append(list(tools or []))
        response = self._next(messages)
        if response.ttft > 0:
            await asyncio.sleep(response.ttft)
        if response.error and not response.fail_after_text:
            raise LLMError(response.error)
        tokens = response.text.split(" ") if response.text else []
        for i, token in enumerate(tokens):
            if i and response.seconds_per_token > 0:
                await asyncio.sleep(response.seconds_per_token)
            yield LLMResponse(content=token if i == 0 else " " + token)
        if response.error:
            raise LLMError(response.error)
        for call in response.tool_calls:
            yield LLMResponse(
                content="",
                metadata={
                    "function_call": {
                        "name": call.name,
                        "arguments": call.arguments,
                        "id": call.call_id,
                    }
                },
            )

    async def cancel_current_generation(self) -> None:
        self.cancelled += 1
