"""HTTP mode of ``OpenAILLM``: streaming Chat Completions through the ``openai`` SDK.

Works with any OpenAI-compatible server (Ollama, llama.cpp, vLLM) through ``base_url``. Tool
calls arrive as fragments keyed by ``index``; each call is emitted once, complete, with parsed
arguments, in index order (the reference sorted by id).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ...llm.llm import LLMError, LLMResponse
from .errors import describe_sdk_error
from .llm_tool_calls import function_call_response
from .usage import chat_usage


@dataclass
class _PendingCall:
    id: str = ""
    name: str = ""
    arguments: str = ""


class ChatCompletionsStream:
    """One streamed chat completion; ``cancel()`` stops it from another task."""

    def __init__(self, client: Any, on_error: Callable[[Exception], None]) -> None:
        self._client = client
        self._on_error = on_error
        self._stream: Any = None
        self.cancelled = False

    async def cancel(self) -> None:
        self.cancelled = True
        if self._stream is not None:
            await self._stream.close()

    async def run(
        self,
        body: dict[str, Any],
        *,
        extra_headers: dict[str, str] | None,
        extra_query: dict[str, Any] | None,
        extra_body: dict[str, Any] | None,
    ) -> AsyncIterator[LLMResponse]:
        import openai

        create = self._client.chat.completions.create
        known = set(inspect.signature(create).parameters)
        params = {k: v for k, v in body.items() if k in known}
        unknown = {k: v for k, v in body.items() if k not in known}
        pending: dict[int, _PendingCall] = {}
        try:
            self._stream = await create(
                **params,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body={**unknown, **(extra_body or {})} or None,
            )
            async for chunk in self._stream:
                if self.cancelled:
                    return
                if getattr(chunk, "usage", None):
                    yield LLMResponse(content="", metadata={"usage": chat_usage(chunk)})
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                delta = choice.delta
                for fragment in (delta.tool_calls or []) if delta else []:
                    call = pending.setdefault(fragment.index or 0, _PendingCall())
                    call.id = call.id or (fragment.id or "")
                    if fragment.function is not None:
                        call.name += fragment.function.name or ""
                        call.arguments += fragment.function.arguments or ""
                if choice.finish_reason == "tool_calls":
                    for response in self._flush_calls(pending):
                        yield response
                elif delta is not None and delta.content:
                    yield LLMResponse(content=delta.content)
            if not self.cancelled:
                for response in self._flush_calls(pending):
                    yield response
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            if self.cancelled:
                return
            message, retryable = describe_sdk_error(exc)
            raise LLMError(f"OpenAILLM: {message}", retryable=retryable) from exc
        except json.JSONDecodeError as exc:
            if self.cancelled:
                return
            raise LLMError(f"OpenAILLM: malformed stream data: {exc}", retryable=False) from exc
        finally:
            if self._stream is not None:
                await self._stream.close()

    def _flush_calls(self, pending: dict[int, _PendingCall]) -> list[LLMResponse]:
        calls = [pending[index] for index in sorted(pending)]
        pending.clear()
        return [
            function_call_response(c.name, c.arguments, c.id)
            for c in calls
        ]
