"""``OpenAILLM``: OpenAI (or any OpenAI-compatible server) as the pipeline's LLM.

``streaming=False`` (default) streams Chat Completions over HTTP through the ``openai`` SDK;
``streaming=True`` uses the persistent Responses WebSocket. Both yield the same
``LLMResponse`` chunks: text in ``content``, each complete tool call once as
``metadata["function_call"]``, token usage as ``metadata["usage"]``. Failures raise
``LLMError`` after emitting ``"error"``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx

from ...llm.llm import LLM, LLMError, LLMResponse
from .auth import (
    AzureSettings,
    make_openai_client,
    make_timeout,
    resolve_api_key,
)
from .llm_http import ChatCompletionsStream
from .llm_request import LLMOptions, chat_completions_body, is_reasoning_model, tool_schemas
from .llm_responses_ws import DEFAULT_WSS_URL, ResponsesSession

if TYPE_CHECKING:
    from ...llm.chat_context import ChatContext

logger = logging.getLogger("vocalis.plugins.openai.llm")


class OpenAILLM(LLM):
    """Chat with OpenAI models, or any OpenAI-compatible server via ``base_url``.

    The key comes from ``api_key`` or ``OPENAI_API_KEY``; for a ``base_url`` on this machine
    (Ollama at ``http://localhost:11434/v1``, llama.cpp, vLLM) a placeholder key is used when
    none is set. ``client`` takes a pre-built ``AsyncOpenAI`` (key, URL, organization,
    project, timeout and retries are then ignored for HTTP mode).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        model: str = "gpt-4o-mini",
        base_url: str | None = None,
        temperature: float = 0.7,
        tool_choice: Any = "auto",
        max_completion_tokens: int | None = None,
        top_p: float | None = None,
        frequency_penalty: float | None = None,
        presence_penalty: float | None = None,
        seed: int | None = None,
        organization: str | None = None,
        project: str | None = None,
        parallel_tool_calls: bool | None = None,
        timeout: float | httpx.Timeout | None = None,
        extra_headers: dict[str, str] | None = None,
        extra_query: dict[str, Any] | None = None,
        extra_body: dict[str, Any] | None = None,
        client: Any | None = None,
        max_retries: int = 0,
        reasoning_effort: str | None = None,
        verbosity: str | None = None,
        streaming: bool = False,
        store: bool = False,
        wss_url: str | None = None,
    ) -> None:
        super().__init__()
        self.model = model
        self.streaming = streaming
        self.options = LLMOptions(
            model=model,
            temperature=temperature,
            tool_choice=tool_choice,
            max_completion_tokens=max_completion_tokens,
            top_p=top_p,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            seed=seed,
            parallel_tool_calls=parallel_tool_calls,
            reasoning_effort=reasoning_effort,
            verbosity=verbosity,
            store=store,
            extra_body=extra_body,
        )
        self.extra_headers = extra_headers
        self.extra_query = extra_query
        self.extra_body = extra_body
        self._timeout = make_timeout(timeout, read=10.0)
        self._owns_client = client is None
        key_base = base_url or wss_url
        if client is None or streaming:
            if streaming and api_key is None and client is not None:
                raise ValueError("OpenAILLM(streaming=True) needs api_key with a custom client")
            api_key = resolve_api_key(api_key, key_base, component="OpenAILLM")
        self._client = client or make_openai_client(
            api_key=api_key or "",
            base_url=base_url,
            organization=organization,
            project=project,
            timeout=self._timeout,
            max_retries=max_retries,
        )
        self._http_stream: ChatCompletionsStream | None = None
        self._responses: ResponsesSession | None = None
        self._prewarm_task: asyncio.Task[None] | None = None
        if streaming:
            self._responses = ResponsesSession(
                wss_url or DEFAULT_WSS_URL,
                {"Authorization": f"Bearer {api_key}", **(extra_headers or {})},
                self.options,
                read_timeout=self._timeout.read,
                on_error=self._report,
            )
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:
                self._prewarm_task = loop.create_task(self._prewarm_safely())

    @staticmethod
    def azure(
        *,
        model: str = "gpt-4o-mini",
        azure_endpoint: str | None = None,
        azure_deployment: str | None = None,
        api_version: str | None = None,
        api_key: str | None = None,
        azure_ad_token: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        temperature: float = 0.7,
        tool_choice: Any = "auto",
        max_completion_tokens: int | None = None,
        top_p: float | None = None,
        frequency_penalty: float | None = None,
        presence_penalty: float | None = None,
        seed: int | None = None,
        parallel_tool_calls: bool | None = None,
        reasoning_effort: str | None = "none",
        verbosity: str | None = "low",
        timeout: float | httpx.Timeout | None = None,
        extra_headers: dict[str, str] | None = None,
        extra_query: dict[str, Any] | None = None,
        extra_body: dict[str, Any] | None = None,
    ) -> OpenAILLM:
        """An ``OpenAILLM`` on Azure OpenAI (Chat Completions); missing settings come from
        ``AZURE_OPENAI_*``, ``OPENAI_API_VERSION``, ``OPENAI_ORG_ID`` and ``OPENAI_PROJECT_ID``."""
        settings = AzureSettings.from_env(
            azure_endpoint=azure_endpoint,
            azure_deployment=azure_deployment,
            api_version=api_version,
            api_key=api_key,
            azure_ad_token=azure_ad_token,
            organization=organization,
            project=project,
            model=model,
            base_url=base_url,
        )
        return OpenAILLM(
            model=model,
            client=settings.client(make_timeout(timeout, read=10.0)),
            temperature=temperature,
            tool_choice=tool_choice,
            max_completion_tokens=max_completion_tokens,
            top_p=top_p,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            seed=seed,
            parallel_tool_calls=parallel_tool_calls,
            reasoning_effort=reasoning_effort,
            verbosity=verbosity,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )

    def _is_reasoning_model(self) -> bool:
        return is_reasoning_model(self.model)

    def _report(self, error: Exception) -> None:
        self.emit("error", error)

    async def chat(
        self,
        messages: ChatContext,
        tools: list[Any] | None = None,
        conversational_graph: Any | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[LLMResponse]:
        """Stream the reply to ``messages``; ``kwargs`` are merged into the request body."""
        if conversational_graph is not None:
            logger.warning("OpenAILLM: conversational graphs are not supported; ignoring it")
        schemas = tool_schemas(tools, self._report)
        try:
            if self._responses is not None:
                await self._await_prewarm()
                async for response in self._responses.chat(
                    messages.to_openai_responses_input(), schemas, kwargs
                ):
                    yield response
                return
            stream = self._http_stream = ChatCompletionsStream(self._client, self._report)
            body = chat_completions_body(
                self.options,
                messages.to_openai_messages(reasoning_model=self._is_reasoning_model()),
                schemas,
            )
            body.update(kwargs)
            async for response in stream.run(
                body,
                extra_headers=self.extra_headers,
                extra_query=self.extra_query,
                extra_body=self.extra_body,
            ):
                yield response
        except LLMError as exc:
            self.emit("error", exc)
            raise

    async def prewarm(self, instructions: str | None = None, tools: list[Any] | None = None) -> None:
        """Open the Responses socket early; with instructions/tools, seed it (no generation)."""
        if self._responses is None:
            return
        await self._await_prewarm()
        await self._responses.prewarm(instructions, tool_schemas(tools, self._report))

    async def _prewarm_safely(self) -> None:
        assert self._responses is not None
        try:
            await self._responses.ensure()
        except LLMError as exc:
            logger.warning("OpenAILLM prewarm failed: %s", exc)

    async def _await_prewarm(self) -> None:
        task, self._prewarm_task = self._prewarm_task, None
        if task is not None and task is not asyncio.current_task():
            await task

    async def cancel_current_generation(self) -> None:
        """Stop the reply being generated; its late events are ignored."""
        if self._http_stream is not None:
            await self._http_stream.cancel()
            self._http_stream = None
        if self._responses is not None:
            await self._responses.cancel()

    async def aclose(self) -> None:
        """Cancel, close the socket and the HTTP client if this instance made it."""
        await self.cancel_current_generation()
        if self._prewarm_task is not None:
            self._prewarm_task.cancel()
        if self._responses is not None:
            await self._responses.aclose()
        if self._owns_client:
            await self._client.close()
        await super().aclose()
