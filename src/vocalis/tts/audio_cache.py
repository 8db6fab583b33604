"""An LRU cache of synthesized PCM for phrases spoken again and again ("One moment.").

Usage: ``session.say("One moment.", audio_data=await cache.fetch("One moment."))``.
Concurrent requests for one phrase share a single synthesis. Unlike the reference (a lock per
key, so a failure made the next waiter synthesize again), a failure reaches every waiter of
that synthesis and nothing is cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator

from .tts import TTS


def _cache_key(text: str, voice_id: str | None) -> str:
    return hashlib.sha256(f"{voice_id or ''}::{text}".encode()).hexdigest()


async def _once(text: str) -> AsyncIterator[str]:
    yield text


class TTSAudioCache:
    """Least-recently-used PCM store in front of a TTS, with single-flight synthesis."""

    def __init__(self, tts: TTS, max_entries: int = 128) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be >= 1")
        self._tts = tts
        self._max_entries = max_entries
        self._store: OrderedDict[str, bytes] = OrderedDict()
        self._in_flight: dict[str, asyncio.Task[bytes]] = {}

    @property
    def max_entries(self) -> int:
        return self._max_entries

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and _cache_key(text, None) in self._store

    async def fetch(self, text: str, *, voice_id: str | None = None) -> bytes:
        """The PCM of ``text`` in ``voice_id``: from the cache, or synthesized once and stored."""
        key = _cache_key(text, voice_id)
        cached = self._store.get(key)
        if cached is not None:
            self._store.move_to_end(key)
            return cached
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(
                self._synthesize(key, text, voice_id), name="vocalis.tts.audio_cache"
            )
            self._in_flight[key] = task
            task.add_done_callback(lambda _t, k=key: self._forget(k, _t))
        # A waiter that is cancelled must not cancel the synthesis the others wait for.
        return await asyncio.shield(task)

    async def preload(self, texts: list[str], *, voice_id: str | None = None) -> None:
        """Synthesize ``texts`` one after the other, for warm-up."""
        for text in texts:
            await self.fetch(text, voice_id=voice_id)

    def clear(self) -> None:
        """Drop every stored phrase; syntheses in flight finish but are not stored."""
        self._store.clear()
        self._in_flight.clear()

    async def aclose(self) -> None:
        """Cancel syntheses in flight and drop the store."""
        tasks = list(self._in_flight.values())
        self.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _forget(self, key: str, task: asyncio.Task[bytes]) -> None:
        if self._in_flight.get(key) is task:
            del self._in_flight[key]
        if not task.cancelled():
            task.exception()  # retrieved here so an unawaited failure is not logged as lost

    async def _synthesize(self, key: str, text: str, voice_id: str | None) -> bytes:
        kwargs = {"voice_id": voice_id} if voice_id is not None else {}
        chunks = [chunk async for chunk in self._tts.stream_synthesize(_once(text), **kwargs)]
        audio = b"".join(chunks)
        if self._in_flight.get(key) is asyncio.current_task():
            self._store[key] = audio
            self._store.move_to_end(key)
            while len(self._store) > self._max_entries:
                self._store.popitem(last=False)
        return audio
