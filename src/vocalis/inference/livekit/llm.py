"""``LLM`` / ``LLMStream``: LiveKit inference chat completions (OpenAI-compatible HTTP + SSE).

``POST {base}/chat/completions`` with a freshly minted Bearer JWT, the identification headers
and ``X-LiveKit-Inference-Provider``; the body asks for usage (``stream_options``). A failed
request is retried per ``APIConnectOptions`` only while nothing has been emitted yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from ...llm.llm import LLM as BaseLLM
from ...llm.llm import LLMError, LLMResponse
from ..chat_stream import (
    ToolCallAssembler,
    openai_messages,
    sse_events,
    strict_tool_schemas,
    usage_of,
)
from .auth import (
    create_access_token,
    get_default_inference_url,
    get_inference_headers,
    resolve_credentials,
)
from .errors import (
    DEFAULT_API_CONNECT_OPTIONS,
    APIConnectionError,
    APIConnectOptions,
    APIError,
    APIStatusError,
    APITimeoutError,
)

logger = logging.getLogger("vocalis.inference.livekit.llm")

_NOT_GIVEN: Any = None


class LLM(BaseLLM):
    """Chat through LiveKit's inference gateway (or any OpenAI-compatible server).

    Parameters follow ``livekit.agents.inference.LLM``. ``chat()`` takes LiveKit's keywords
    (``chat_ctx``, ``conn_options``, ``parallel_tool_calls``, ``tool_choice``,
    ``response_format``, ``extra_kwargs``) and also the Vocalis pipeline's positional
    ``chat(messages, tools)``; it returns an ``LLMStream`` of ``LLMResponse`` chunks (tool calls
    as ``metadata["function_call"]`` with parsed arguments, the call id and any
    ``extra`` such as Google thought signatures; usage as ``metadata["usage"]``), so it plugs
    into ``Pipeline`` like any LLM. Failures raise ``LLMError`` whose ``__cause__`` is the
    typed ``APIError``.
    """

    def __init__(
        self,
        model: str,
        *,
        provider: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        extra_kwargs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._model = model
        self._provider = provider
        self.base_url = (base_url or get_default_inference_url()).rstrip("/")
        self._api_key, self._api_secret = resolve_credentials(api_key, api_secret)
        self.extra_kwargs: dict[str, Any] = dict(extra_kwargs or {})
        self._session: aiohttp.ClientSession | None = None
        self._streams: set[LLMStream] = set()
        self._label = f"livekit.inference.LLM.{model}"

    @property
    def model(self) -> str:
        return self._model

    @property
    def provider(self) -> str:
        return "livekit"

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=50, keepalive_timeout=120))
        return self._session

    def chat(  # type: ignore[override]
        self,
        messages: Any = None,
        tools: list[Any] | None = None,
        conversational_graph: Any | None = None,
        *,
        chat_ctx: Any = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: bool | None = _NOT_GIVEN,
        tool_choice: Any = _NOT_GIVEN,
        response_format: Any = _NOT_GIVEN,
        extra_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> LLMStream:
        ctx = chat_ctx if chat_ctx is not None else messages
        if ctx is None:
            raise ValueError("chat() needs chat_ctx (or the messages positional argument)")
        extra: dict[str, Any] = dict(extra_kwargs or {})
        if parallel_tool_calls is not None:
            extra["parallel_tool_calls"] = parallel_tool_calls
        if tool_choice is not None:
            if isinstance(tool_choice, dict) and "function" in tool_choice:
                extra["tool_choice"] = tool_choice
            elif isinstance(tool_choice, dict):
                extra["tool_choice"] = {"type": "function",
                                        "function": {"name": tool_choice["name"]}}
            else:
                extra["tool_choice"] = tool_choice
        if response_format is not None:
            extra["response_format"] = _response_format(response_format)
        extra.update(self.extra_kwargs)
        if not tools:
            extra.pop("tool_choice", None)
            extra.pop("parallel_tool_calls", None)
        stream = LLMStream(self, ctx, list(tools or []), conn_options, extra)
        self._streams.add(stream)
        return stream

    def request_headers(self) -> dict[str, str]:
        headers = get_inference_headers()
        if self._api_key and self._api_secret:  # re-minted on every request
            headers["Authorization"] = (
                f"Bearer {create_access_token(self._api_key, self._api_secret)}")
        if self._provider:
            headers["X-LiveKit-Inference-Provider"] = self._provider
        return headers

    async def cancel_current_generation(self) -> None:
        for stream in list(self._streams):
            await stream.aclose()

    async def aclose(self) -> None:
        await super().aclose()
        if self._session is not None:
            await self._session.close()
            self._session = None


def _response_format(value: Any) -> Any:
    """A pydantic model class becomes a strict ``json_schema`` response format."""
    schema = getattr(value, "model_json_schema", None)
    if callable(schema):
        return {"type": "json_schema", "json_schema": {
            "name": value.__name__, "schema": schema(), "strict": True}}
    return value


class LLMStream:
    """One streamed completion: ``async for`` yields ``LLMResponse`` chunks."""

    def __init__(
        self, llm: LLM, chat_ctx: Any, tools: list[Any], conn_options: APIConnectOptions,
        extra_kwargs: dict[str, Any],
    ) -> None:
        self._llm = llm
        self.chat_ctx = chat_ctx
        self.tools = tools
        self.conn_options = conn_options
        self.extra_kwargs = extra_kwargs
        self.usage: dict[str, Any] | None = None
        self._closed = False
        self._response: aiohttp.ClientResponse | None = None

    def request_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._llm.model, "messages": openai_messages(self.chat_ctx),
            "stream": True, "stream_options": {"include_usage": True},
        }
        if self.tools:
            body["tools"] = strict_tool_schemas(self.tools)
        body.update(self.extra_kwargs)
        return body

    def __aiter__(self) -> AsyncIterator[LLMResponse]:
        return self._run()

    async def _run(self) -> AsyncIterator[LLMResponse]:
        attempt = 0
        try:
            while True:
                emitted = False
                try:
                    async for response in self._attempt():
                        emitted = True
                        yield response
                    return
                except APIError as exc:
                    if self._closed:
                        return
                    retryable = exc.retryable and not emitted
                    if not retryable or attempt >= self.conn_options.max_retry:
                        error = LLMError(f"{self._llm.label}: {exc}", retryable=retryable)
                        self._llm.emit("error", error)
                        raise error from exc
                    delay = self.conn_options.interval_for_retry(attempt)
                    attempt += 1
                    logger.info("%s: %s; retry %d in %.1f s", self._llm.label, exc, attempt, delay)
                    await asyncio.sleep(delay)
        finally:
            self._llm._streams.discard(self)

    async def _attempt(self) -> AsyncIterator[LLMResponse]:
        timeout = self.conn_options.timeout
        url = f"{self._llm.base_url}/chat/completions"
        calls = ToolCallAssembler()
        thinking = _ThinkingFilter()
        try:
            async with self._llm.session().post(
                url, json=self.request_body(), headers=self._llm.request_headers(),
                timeout=aiohttp.ClientTimeout(sock_connect=timeout, sock_read=timeout),
            ) as response:
                self._response = response
                if response.status >= 400:
                    body = await response.text()
                    raise APIStatusError(
                        f"gateway returned HTTP {response.status}: {body[:300]}",
                        status_code=response.status,
                        request_id=response.headers.get("x-request-id"), body=body)
                async for chunk in sse_events(response):
                    if self._closed:
                        return
                    if chunk is None:
                        continue
                    if chunk.get("usage"):
                        self.usage = usage_of(chunk)
                        yield LLMResponse(content="", metadata={"usage": self.usage})
                    for choice in (chunk.get("choices") or [])[:1]:
                        delta = choice.get("delta")
                        if delta is None:  # Azure content filtering
                            continue
                        calls.add(delta.get("tool_calls") or [])
                        text = thinking.feed(str(delta.get("content") or ""))
                        if text:
                            yield LLMResponse(content=text)
                        if choice.get("finish_reason") in ("tool_calls", "stop"):
                            for call in calls.release():
                                yield call
                for call in calls.release():
                    yield call
        except APIError:
            raise
        except TimeoutError as exc:
            raise APITimeoutError(f"no answer from the gateway in {timeout:g} s") from exc
        except aiohttp.ClientError as exc:
            if self._closed:
                return
            raise APIConnectionError(f"gateway request failed: {exc}") from exc

    async def aclose(self) -> None:
        self._closed = True
        if self._response is not None:
            self._response.close()


class _ThinkingFilter:
    """Drops ``<think>…</think>`` sections from streamed text, across chunk boundaries."""

    def __init__(self) -> None:
        self._inside = False
        self._held = ""

    def feed(self, text: str) -> str:
        text = self._held + text
        self._held = ""
        out = []
        while text:
            tag = "</think>" if self._inside else "<think>"
            pos = text.find(tag)
            if pos == -1:
                keep = _partial_suffix(text, tag)
                if not self._inside:
                    out.append(text[: len(text) - keep])
                self._held = text[len(text) - keep :]
                break
            if not self._inside:
                out.append(text[:pos])
            self._inside = not self._inside
            text = text[pos + len(tag) :]
        return "".join(out)


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that starts ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0
