"""Preemptive generation: start the LLM on a preflight transcript, before the turn is committed.

When the STT sends a PREFLIGHT transcript (it expects the turn to end with it), the first LLM
step starts at once on a copy of the context. Nothing is spoken and no tool runs until the turn
is committed: if the committed text is the same, the buffered stream is replayed and continues
live; otherwise it is cancelled and the LLM is asked again.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

from ...llm.chat_context import ChatContext
from ...llm.items import ChatRole
from ...llm.llm import LLM, LLMResponse
from ...utils.clock import now
from ..speaking.prerender import Prerendered, SentencePrerender

_NORMAL = re.compile(r"[^\w]+", re.UNICODE)


def same_utterance(a: str, b: str) -> bool:
    """Whether two transcripts say the same words (case and punctuation ignored)."""
    return _NORMAL.sub(" ", a.lower()).strip() == _NORMAL.sub(" ", b.lower()).strip()


class PreemptiveGeneration:
    """A speculative first LLM step for a user turn that is not committed yet.

    With ``prerender`` (``(tts, chunker, text_filter)``) its first sentence is synthesized
    too, so the committed reply's first words are ready at once (``SentencePrerender``).
    """

    def __init__(
        self,
        llm: LLM,
        chat_context: ChatContext,
        user_text: str,
        tools: list[Any],
        *,
        prerender: tuple[Any, Any, Any] | None = None,
    ):
        self.user_text = user_text
        self.started_at = now()
        self.first_token_at: float | None = None
        self._chunks: list[LLMResponse] = []
        self._done = False
        self._error: BaseException | None = None
        self._changed = asyncio.Event()
        ctx = chat_context.copy()
        ctx.add_message(ChatRole.USER, user_text)
        self._task = asyncio.ensure_future(self._run(llm, ctx, tools))
        self._prerender: SentencePrerender | None = None
        if prerender is not None:
            tts, chunker, text_filter = prerender
            self._prerender = SentencePrerender(
                self.replay(), tts=tts, chunker=chunker, text_filter=text_filter
            )

    async def prerendered(self) -> Prerendered | None:
        """The first sentence and its audio, when it was synthesized ahead."""
        return await self._prerender.result() if self._prerender is not None else None

    async def _run(self, llm: LLM, ctx: ChatContext, tools: list[Any]) -> None:
        try:
            async for chunk in llm.chat(ctx, tools=tools or None):
                if self.first_token_at is None:
                    self.first_token_at = now()
                self._chunks.append(chunk)
                self._changed.set()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self._error = exc
        finally:
            self._done = True
            self._changed.set()

    def matches(self, user_text: str) -> bool:
        return same_utterance(self.user_text, user_text)

    async def replay(self) -> AsyncIterator[LLMResponse]:
        """The buffered chunks, then the rest as it arrives."""
        index = 0
        while True:
            while index < len(self._chunks):
                yield self._chunks[index]
                index += 1
            if self._done:
                if self._error is not None:
                    raise self._error
                return
            self._changed.clear()
            if index >= len(self._chunks) and not self._done:
                await self._changed.wait()

    async def cancel(self) -> None:
        if self._prerender is not None:
            await self._prerender.cancel()
        if not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
