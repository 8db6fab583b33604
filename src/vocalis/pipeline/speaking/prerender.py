"""``SentencePrerender``: the first sentence of a preemptive answer, synthesized early.

While the user's turn is not committed yet, a preemptive LLM answer may already be streaming
(``PreemptiveGeneration``). Its first sentence is cut exactly as the speaking stage will cut it
(the same text filter and chunker) and synthesized into a buffer, so that when the turn is
committed the agent's first words are ready: the time the TTS takes for them is no longer on
the turn's latency. Used only with a TTS that may synthesize two things at once
(``TTS.supports_concurrent_synthesis``) and no ``llm`` / ``tts`` hooks (they would see the text
twice).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ...llm.llm import LLMResponse
from ...tts import TTS


@dataclass(frozen=True)
class Prerendered:
    """A sentence and its audio, at the TTS's sample rate."""

    text: str
    pcm: bytes


PrerenderedSource = Callable[[], Awaitable[Prerendered | None]]
"""Gets the prerendered first sentence (waiting for it, if its synthesis is still running)."""


class SentencePrerender:
    """Synthesizes the first sentence of ``source`` in a task of its own."""

    def __init__(
        self,
        source: AsyncIterator[LLMResponse],
        *,
        tts: TTS,
        chunker: Any,
        text_filter: Any,
    ) -> None:
        self._tts = tts
        self._chunker = chunker
        self._filter = text_filter
        self._task = asyncio.ensure_future(self._run(source))

    async def result(self) -> Prerendered | None:
        """The sentence and its audio (None when there is none, or it failed)."""
        try:
            return await asyncio.shield(self._task)
        except Exception:
            return None

    async def cancel(self) -> None:
        if not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self, source: AsyncIterator[LLMResponse]) -> Prerendered | None:
        sentence = await self._first_sentence(source)
        if not sentence:
            return None
        chunks = [chunk async for chunk in self._tts.stream_synthesize(sentence)]
        return Prerendered(sentence, b"".join(chunks))

    async def _first_sentence(self, source: AsyncIterator[LLMResponse]) -> str | None:
        deltas: AsyncIterator[str] = _text_before_tools(source)
        if self._filter is not None:
            deltas = self._filter.filter(deltas)
        stream = self._chunker.stream()
        feeder = asyncio.ensure_future(_feed(deltas, stream))
        try:
            return await _next_sentence(stream)
        finally:
            feeder.cancel()
            await asyncio.wait([feeder])
            close = getattr(stream, "aclose", None)
            if close is not None:
                await close()


async def _feed(deltas: AsyncIterator[str], stream: Any) -> None:
    async for piece in deltas:
        await stream.push_text(piece)
    await stream.end_input()


async def _text_before_tools(source: AsyncIterator[LLMResponse]) -> AsyncIterator[str]:
    """The answer's text, up to a tool call (what follows a tool call is not known yet)."""
    async for chunk in source:
        if (chunk.metadata or {}).get("function_call"):
            return
        if chunk.content:
            yield chunk.content


async def _next_sentence(sentences: AsyncIterator[str]) -> str | None:
    async for sentence in sentences:
        if sentence.strip():
            return sentence
    return None
