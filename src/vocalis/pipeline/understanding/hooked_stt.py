"""``HookedSTT``: the STT stage's audio through the user's ``stt`` stream hook.

The reference lets ``@pipeline.on("stt")`` replace the STT: the hook receives the user's audio
as an async iterator and yields STT events. The STT input stage (its own resampler, queue and
task) feeds this class instead of ``stt.process_audio``; the hook runs in a task of its own and
its events go where the STT's transcripts would. A hook that ends or fails is reported and
started again with the next audio, so the call goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from ...utils.tasks import TaskGroup
from ..hooks import PipelineHooks

HOOK_QUEUE_CHUNKS = 50
"""Chunks waiting for the hook; beyond it the STT stage waits (and drops its oldest audio)."""
DRAIN_TIMEOUT = 2.0
"""Seconds the end-of-speech flush waits for the hook to take the audio heard so far."""


class HookedSTT:
    """Runs the ``stt`` stream hook over the STT stage's audio (see the module docstring)."""

    def __init__(
        self,
        hooks: PipelineHooks,
        on_event: Callable[[Any], Awaitable[None]],
        *,
        tasks: TaskGroup,
    ) -> None:
        self._hooks = hooks
        self._on_event = on_event
        self._tasks = tasks
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(HOOK_QUEUE_CHUNKS)
        self._waiting = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def push(self, pcm: bytes) -> None:
        """Give the hook a chunk (waits while it is behind)."""
        if self._task is None or self._task.done():
            self._task = self._tasks.spawn(self._run(), name="vocalis.input.stt_hook")
        self._waiting.clear()
        await self._queue.put(pcm)

    async def drained(self) -> None:
        """Return once the hook has taken every chunk pushed so far (or after a timeout)."""
        if self._task is None or self._task.done():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_TIMEOUT):
                while not (self._queue.empty() and self._waiting.is_set()):
                    await self._waiting.wait()

    async def _run(self) -> None:
        try:
            async for event in self._hooks.stt_stream(self._audio()):
                if not hasattr(event, "event_type") or not hasattr(event, "data"):
                    kind = type(event).__name__
                    self._hooks.report("stt hook", TypeError(
                        f"an stt hook must yield STT events (STTResponse), not {kind}"
                    ))
                    continue
                await self._on_event(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._hooks.report("stt hook", exc)
        else:
            self._hooks.report(
                "stt hook", RuntimeError("the stt hook ended; it starts again with the next audio")
            )

    async def _audio(self) -> AsyncIterator[bytes]:
        while True:
            if self._queue.empty():
                self._waiting.set()
            pcm = await self._queue.get()
            self._waiting.clear()
            yield pcm
