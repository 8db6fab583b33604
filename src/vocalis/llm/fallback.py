"""FallbackLLM: an LLM that fails over between providers without repeating itself.

The reference restarts the reply on the next provider when one fails mid-stream, so the user
hears the start of the answer twice. Here the next provider continues instead: it gets the
context plus the partial reply as an assistant message and a system note asking it to carry
on from there, and any prefix it repeats anyway is trimmed before it reaches the caller.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from functools import partial
from typing import Any

from ..utils.clock import now
from ..utils.failover import ProviderFailover
from ..utils.fallback_wiring import FallbackProviders
from .items import ChatRole
from .llm import LLM, LLMError, LLMResponse

logger = logging.getLogger("vocalis.llm.fallback")

CONTINUE_INSTRUCTION = (
    "Your previous reply was cut off by a technical problem after the assistant text above. "
    "Continue that reply from exactly where it stopped. Do not repeat anything already said "
    "and do not mention the interruption."
)

#: Shortest repeated tail (in characters) trimmed when a provider resumes mid-sentence.
_MIN_TAIL_OVERLAP = 4


class FallbackLLM(LLM):
    """Tries providers in priority order; switches on errors and on slow time-to-first-token.

    Time to first token is measured here, per request, so no global metrics bus is needed
    (and a tool round-trip cannot inflate it: each request is measured on its own). A failed
    provider rests for ``temporary_disable_sec`` and is used again once rested; after
    ``permanent_disable_after_attempts`` failures it is never used again. If every provider
    fails within one request, ``LLMError`` is raised with all the causes.
    """

    def __init__(
        self,
        providers: Sequence[LLM],
        temporary_disable_sec: float = 60.0,
        permanent_disable_after_attempts: int = 3,
        latency_threshold_ms: float | None = None,
        consecutive_latency_hits: int = 3,
    ) -> None:
        super().__init__()
        self._fallback: FallbackProviders[LLM] = FallbackProviders(
            providers,
            kind="LLM",
            emit=self.emit,
            error=partial(LLMError, retryable=False),
            logger=logger,
            temporary_disable_sec=temporary_disable_sec,
            permanent_disable_after_attempts=permanent_disable_after_attempts,
            latency_threshold_ms=latency_threshold_ms,
            consecutive_latency_hits=consecutive_latency_hits,
        )
        self.providers: list[LLM] = self._fallback.providers
        self.failover: ProviderFailover[LLM] = self._fallback.failover

    @property
    def active_provider(self) -> LLM:
        """The provider the next request goes to."""
        return self.failover.active

    async def chat(
        self,
        messages: Any,
        tools: list[Any] | None = None,
        conversational_graph: Any | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[LLMResponse]:
        """Stream from the active provider, continuing on the next one if it fails."""
        self._fallback.check_recovery()
        said = ""
        seen_calls: set[str] = set()
        failures: list[tuple[LLM, BaseException]] = []
        while True:
            provider = self._fallback.next_provider(failures)
            context = _continuation_context(messages, said) if said else messages
            trimmer = _RepeatTrimmer(said)
            started = now()
            first_chunk = True
            try:
                stream = provider.chat(
                    context, tools=tools, conversational_graph=conversational_graph, **kwargs
                )
                async with _closing(stream):
                    async for chunk in stream:
                        if first_chunk:
                            first_chunk = False
                            self._record_ttft(provider, now() - started)
                        for out in _filter_chunk(chunk, trimmer, seen_calls):
                            said += out.content
                            yield out
                tail = trimmer.finish()
                if tail:
                    said += tail
                    yield LLMResponse(content=tail, role=ChatRole.ASSISTANT)
                return
            except Exception as exc:
                self._fallback.provider_failed(provider, exc, failures)

    def _record_ttft(self, provider: LLM, seconds: float) -> None:
        if self._fallback.record_latency(seconds * 1000.0, provider):
            logger.warning("LLM provider %s too slow; switching", provider.label)

    async def cancel_current_generation(self) -> None:
        """Forwarded to the active provider."""
        await self.failover.active.cancel_current_generation()

    async def prewarm(self) -> None:
        """Forwarded to the active provider."""
        await self.failover.active.prewarm()

    async def aclose(self) -> None:
        """Close every provider (errors are logged, not raised), then the wrapper."""
        await self._fallback.aclose()
        await super().aclose()


@contextlib.asynccontextmanager
async def _closing(stream: Any) -> AsyncIterator[None]:
    """Close a provider's stream when done with it, if it can be closed."""
    try:
        yield
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()


def _continuation_context(messages: Any, said: str) -> Any:
    """The context plus the partial reply and a note to continue it (unchanged if not a
    ``ChatContext``-like object; the trimmer then removes the repeated start)."""
    if not (hasattr(messages, "copy") and hasattr(messages, "add_message")):
        return messages
    context = messages.copy()
    context.add_message(role=ChatRole.ASSISTANT, content=said)
    context.add_message(role=ChatRole.SYSTEM, content=CONTINUE_INSTRUCTION)
    return context


def _filter_chunk(
    chunk: LLMResponse, trimmer: _RepeatTrimmer, seen_calls: set[str]
) -> list[LLMResponse]:
    """The chunks to pass on: text trimmed of repeats, tool calls not already yielded."""
    call = chunk.function_call
    if call is not None:
        key = json.dumps([call.get("name"), call.get("arguments")], sort_keys=True, default=str)
        if key in seen_calls:
            return []
        seen_calls.add(key)
        held = trimmer.finish()
        pending = [LLMResponse(content=held, role=chunk.role)] if held else []
        return [*pending, chunk]
    if not chunk.content:
        return [chunk] if chunk.metadata else []
    text = trimmer.feed(chunk.content)
    if not text:
        return []
    return [chunk.model_copy(update={"content": text})]


class _RepeatTrimmer:
    """Drops what a resuming provider repeats of the text already said.

    While the new text could still be a repeat (it is a part of what was said) it is held
    back. Then: a full restart loses the already-said prefix; a resume that repeats the end
    of what was said (at least ``_MIN_TAIL_OVERLAP`` characters, from a word boundary) loses
    that tail; anything else passes unchanged.
    """

    def __init__(self, said: str) -> None:
        self._said = said.lstrip()
        self._held = ""
        self._decided = not self._said

    def feed(self, text: str) -> str:
        if self._decided:
            return text
        self._held += text
        candidate = self._held.lstrip()
        if not candidate or candidate in self._said:
            return ""
        return self._decide()

    def finish(self) -> str:
        if self._decided:
            return ""
        candidate = self._held.lstrip()
        if not candidate or self._said.startswith(candidate) or self._said.endswith(candidate):
            self._decided = True
            return ""
        return self._decide()

    def _decide(self) -> str:
        self._decided = True
        held, candidate, said = self._held, self._held.lstrip(), self._said
        if candidate.startswith(said):
            return candidate[len(said) :]
        for size in range(min(len(said), len(candidate)), _MIN_TAIL_OVERLAP - 1, -1):
            at_boundary = size == len(said) or not said[-size - 1].isalnum()
            if at_boundary and said.endswith(candidate[:size]):
                return candidate[size:]
        return held
