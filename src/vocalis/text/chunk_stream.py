"""Push streams of sentences: the ``SentenceChunkStream`` contract and its buffered implementation.

LLM deltas are pushed in; each complete sentence comes out as soon as the tokenizer confirms it,
and an idle watchdog releases a finished sentence when the LLM pauses after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable

from ..utils.clock import now
from .scripts import NO_SPACE_SCRIPTS_REGEX

logger = logging.getLogger("vocalis.text")

_EOS = object()
_FALLBACK_CUT_REGEX = re.compile(r"[\s,;:，、；：—]")


class SentenceChunkStream(ABC):
    """A single-use push stream: push text fragments, iterate sentence strings."""

    @abstractmethod
    async def push_text(self, text: str) -> None:
        """Add a fragment; it may be a single character and need not align with words."""

    @abstractmethod
    async def flush(self) -> None:
        """Emit everything buffered, as one or more trailing sentences."""

    @abstractmethod
    async def end_input(self) -> None:
        """Drain the buffer and close the stream."""

    @abstractmethod
    def __aiter__(self) -> AsyncIterator[str]:
        """Iterate the sentences until the stream is closed."""


class BufferedSentenceChunkStream(SentenceChunkStream):
    """Re-tokenizes its buffer on every push and emits all but the unconfirmed remainder.

    ``tokenize_fn`` returns raw segments whose last item is the remainder. ``sentence_end_fn``
    (a Vocalis addition) tells the idle watchdog whether the buffer really ends a sentence, so
    a pause after "Dr." does not release half a sentence; without it, any strong terminator
    counts, as in the reference. Unlike the reference, a finished sentence is released on idle
    whatever its length ("Sure." before a tool call is worth speaking), and the fallback cut for
    unterminated text keeps the last word and needs ``idle_min_chars`` before it.

    ``first_tokenize_fn`` (a Vocalis addition) cuts the stream's first segment only: a chunker
    that allows a shorter opening clause ("Sure,") there gets the first audio out sooner.
    """

    def __init__(
        self,
        *,
        tokenize_fn: Callable[[str], list[str]],
        strong_terminators: str,
        min_sentence_len: int = 20,
        idle_flush_ms: float = 150,
        idle_min_chars: int = 12,
        sentence_end_fn: Callable[[str], bool] | None = None,
        first_tokenize_fn: Callable[[str], list[str]] | None = None,
    ) -> None:
        self._tokenize = tokenize_fn
        self._first_tokenize = first_tokenize_fn
        self._emitted_any = False
        self._strong = frozenset(strong_terminators)
        self._min_sentence_len = max(1, int(min_sentence_len))
        self._idle_flush_s = max(0.1, idle_flush_ms / 1000)
        self._idle_min_chars = max(1, int(idle_min_chars))
        self._sentence_end = sentence_end_fn
        self._buffer = ""
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._closed = False
        self._last_push = 0.0
        self._activity = asyncio.Event()
        self._idle_task: asyncio.Task[None] | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    async def push_text(self, text: str) -> None:
        if self._closed or not text:
            return
        self._buffer += text
        self._last_push = now()
        self._activity.set()
        if self._idle_task is None:
            self._idle_task = asyncio.get_running_loop().create_task(
                self._watch_idle(), name="vocalis.chunk_stream.idle"
            )
        self._emit_confirmed()

    async def flush(self) -> None:
        if not self._buffer:
            return
        try:
            segments = self._tokenize(self._buffer)
        except Exception:
            logger.exception("sentence tokenizer failed; emitting the buffer as is")
            segments = [self._buffer]
        self._buffer = ""
        for segment in segments:
            self._emit(segment)

    async def end_input(self) -> None:
        if self._closed:
            return
        await self.flush()
        self._closed = True
        self._queue.put_nowait(_EOS)
        await self._stop_watchdog()

    async def aclose(self) -> None:
        """Close without draining: buffered text is dropped (e.g. on interruption)."""
        self._buffer = ""
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(_EOS)
        await self._stop_watchdog()

    def __aiter__(self) -> AsyncIterator[str]:
        return self

    async def __anext__(self) -> str:
        item = await self._queue.get()
        if item is _EOS:
            self._queue.put_nowait(_EOS)
            raise StopAsyncIteration
        assert isinstance(item, str)
        return item

    def _emit(self, segment: str) -> None:
        sentence = segment.strip()
        if sentence:
            self._emitted_any = True
            self._queue.put_nowait(sentence)

    def _emit_confirmed(self) -> None:
        """Emit every confirmed segment; the remainder stays buffered."""
        if self._first_tokenize is not None and not self._emitted_any:
            self._emit_first_segment(self._first_tokenize)
            if not self._emitted_any:
                return
        try:
            segments = self._tokenize(self._buffer)
        except Exception:
            logger.exception("sentence tokenizer failed; emitting the buffer as is")
            segments, self._buffer = [self._buffer], ""
            self._emit(segments[0])
            return
        if len(segments) > 1:
            for segment in segments[:-1]:
                self._emit(segment)
            self._buffer = segments[-1]

    def _emit_first_segment(self, tokenize: Callable[[str], list[str]]) -> None:
        """Cut the opening segment by the first-segment rules; the rest stays buffered."""
        try:
            segments = tokenize(self._buffer)
        except Exception:
            logger.exception("sentence tokenizer failed on the first segment")
            return
        if len(segments) > 1 and segments[0].strip():
            self._buffer = self._buffer[len(segments[0]):]
            self._emit(segments[0])

    async def _stop_watchdog(self) -> None:
        task, self._idle_task = self._idle_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _watch_idle(self) -> None:
        """After ``idle_flush_ms`` without input, release what the pause has completed."""
        while not self._closed:
            await self._activity.wait()
            self._activity.clear()
            while (delay := self._last_push + self._idle_flush_s - now()) > 0:
                await asyncio.sleep(delay)
            if not self._closed:
                self._idle_flush()

    def _ends_sentence(self, text: str) -> bool:
        if self._sentence_end is not None:
            return self._sentence_end(text)
        return bool(text) and text[-1] in self._strong

    def _idle_flush(self) -> None:
        body = self._buffer.rstrip()
        if not body:
            return
        if self._ends_sentence(body):
            self._buffer = ""
            self._emit(body)
            return
        cut = self._fallback_cut(body)
        if cut is None:
            return
        head, rest = body[:cut], self._buffer[cut:]
        if len(head.strip()) < max(self._idle_min_chars, self._min_sentence_len):
            return
        self._emit(head)
        self._buffer = rest

    @staticmethod
    def _fallback_cut(body: str) -> int | None:
        """Index after the last word break (space, weak mark, or a no-space-script char)."""
        cut = None
        for match in _FALLBACK_CUT_REGEX.finditer(body):
            cut = match.end()
        for match in NO_SPACE_SCRIPTS_REGEX.finditer(body):
            if cut is None or match.end() > cut:
                cut = match.end() if match.end() < len(body) else cut
        return cut
