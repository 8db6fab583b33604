"""``LLM``: chat completions through the VideoSDK inference gateway (HTTP + SSE).

``POST {base}/v1/chat/completions?provider=<p>`` with ``Authorization: Bearer <token>`` and an
OpenAI-compatible body; the Server-Sent-Events answer is streamed as ``LLMResponse`` chunks.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from ..llm.llm import LLM as BaseLLM
from ..llm.llm import LLMError, LLMResponse
from .chat_stream import (
    ToolCallAssembler,
    gemini_tool_schemas,
    openai_messages,
    sse_events,
    usage_of,
)
from .gateway import DEFAULT_LLM_HTTP_URL, resolve_auth_token

logger = logging.getLogger("vocalis.inference.llm")

_RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}


class LLM(BaseLLM):
    """Streaming chat through the VideoSDK inference gateway (Gemini models by default).

    Parameters and the ``google`` factory follow the reference.

    Quirks of the reference (plugins-and-gateways §8.4), decided:

    - Tool-call fragments are assembled by ``index`` (the reference required each call complete
      in one delta) and each call keeps its own id from the wire; history ids come from each
      call's ``call_id`` (the reference derived ``call_<name>``, so two calls to one tool
      collided).
    - ``config`` entries other than ``model_id`` are sent as extra body fields (the reference
      stored ``config`` and never sent it); ``chat(**kwargs)`` stays ignored.
    - Conversational graphs are not supported yet by any Vocalis LLM: ignored with a warning.
    - A ``developer`` message goes as ``system`` (the reference sent it as ``user``).
    - Failures raise ``LLMError`` (retryable for 408/429/5xx and transport errors) and are
      emitted as ``"error"``, instead of printing a traceback.
    - Usage chunks, when the gateway sends them, are yielded as ``metadata={"usage": ...}``.
    """

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        temperature: float = 0.7,
        tool_choice: str = "auto",
        max_output_tokens: int | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        presence_penalty: float | None = None,
        frequency_penalty: float | None = None,
        base_url: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._token = resolve_auth_token()
        self.provider = provider
        self.model_id = model_id
        self.temperature = temperature
        self.tool_choice = tool_choice
        self.max_output_tokens = max_output_tokens
        self.top_p = top_p
        self.top_k = top_k
        self.presence_penalty = presence_penalty
        self.frequency_penalty = frequency_penalty
        self.base_url = (base_url or DEFAULT_LLM_HTTP_URL).rstrip("/")
        self.config: dict[str, Any] = dict(config or {})
        self._label = f"videosdk.inference.LLM.{provider}.{model_id}"
        self._session: aiohttp.ClientSession | None = None
        self._cancelled = False

    @classmethod
    def google(
        cls,
        *,
        model_id: str = "gemini-2.0-flash",
        config: dict[str, Any] | None = None,
        temperature: float = 0.7,
        tool_choice: str = "auto",
        max_output_tokens: int | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        presence_penalty: float | None = None,
        frequency_penalty: float | None = None,
        base_url: str | None = None,
    ) -> LLM:
        return cls(
            provider="google", model_id=model_id, temperature=temperature,
            tool_choice=tool_choice, max_output_tokens=max_output_tokens, top_p=top_p,
            top_k=top_k, presence_penalty=presence_penalty, frequency_penalty=frequency_penalty,
            base_url=base_url, config={"model_id": model_id, **(config or {})},
        )

    def request_body(self, messages: Any, tools: list[Any] | None) -> dict[str, Any]:
        """The JSON body of one chat request."""
        body: dict[str, Any] = {
            "model": self.model_id, "messages": openai_messages(messages), "stream": True,
            "temperature": self.temperature,
        }
        if self.max_output_tokens:
            body["max_tokens"] = self.max_output_tokens
        for key in ("top_p", "top_k", "presence_penalty", "frequency_penalty"):
            value = getattr(self, key)
            if value is not None:
                body[key] = value
        if tools:
            body["tools"] = gemini_tool_schemas(tools)
            body["tool_choice"] = self.tool_choice
        for key, value in self.config.items():
            if key != "model_id":
                body.setdefault(key, value)
        return body

    async def chat(
        self,
        messages: Any,
        tools: list[Any] | None = None,
        conversational_graph: Any | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[LLMResponse]:
        if conversational_graph is not None:
            logger.warning("%s: conversational graphs are not supported; ignoring it", self.label)
        self._cancelled = False
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=120, connect=30)
            )
        url = f"{self.base_url}/v1/chat/completions"
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self._token}"}
        calls = ToolCallAssembler()
        try:
            async with self._session.post(
                url, params={"provider": self.provider}, json=self.request_body(messages, tools),
                headers=headers,
            ) as response:
                if response.status != 200:
                    body = (await response.text())[:500]
                    raise LLMError(f"{self.label}: HTTP {response.status}: {body}",
                                   retryable=response.status in _RETRYABLE_STATUS)
                async for chunk in sse_events(response):
                    if self._cancelled:
                        return
                    if chunk is None:
                        continue
                    if chunk.get("usage"):
                        yield LLMResponse(content="", metadata={"usage": usage_of(chunk)})
                    choices = chunk.get("choices") or []
                    if not choices:
                        continue
                    choice = choices[0] or {}
                    delta = choice.get("delta") or {}
                    calls.add(delta.get("tool_calls") or [])
                    if delta.get("content"):
                        yield LLMResponse(content=str(delta["content"]))
                    if choice.get("finish_reason") in ("tool_calls", "stop"):
                        for call in calls.release():
                            yield call
                if not self._cancelled:
                    for call in calls.release():
                        yield call
        except LLMError as exc:
            self.emit("error", exc)
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            if self._cancelled:
                return
            error = LLMError(f"{self.label}: request failed: {exc!r}")
            self.emit("error", error)
            raise error from exc

    async def cancel_current_generation(self) -> None:
        self._cancelled = True

    async def aclose(self) -> None:
        await super().aclose()
        if self._session is not None:
            await self._session.close()
            self._session = None
