"""``InputStage``: one consumer of the user's audio (denoiser, VAD, STT, interruption detector)
in a task of its own, with its own resampler and its own bounded queue.

The transport's frames are stamped when they arrive and pushed without waiting; each stage
resamples them for its consumer alone (a streaming resampler holds state, so two consumers never
share one) and feeds them in order. A stage that falls behind by more than ``max_seconds`` drops
its oldest audio and reports how much, so memory stays bounded and a slow decode never delays
another consumer. Markers (for example "flush the STT") run in order with the audio.
"""

from __future__ import annotations

import asyncio
import logging
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ...audio import ResampleQuality, StreamResampler
from ...utils.tasks import TaskGroup

logger = logging.getLogger("vocalis.pipeline.understanding")

Consume = Callable[[bytes, float], Awaitable[None]]
"""``await consume(pcm, arrived_at)``: PCM at the stage's rate; when its last sample arrived."""

Marker = Callable[[], Awaitable[None]]


@dataclass(slots=True)
class InputChunk:
    """User PCM (16-bit mono) as the transport delivered it, stamped on arrival."""

    pcm: bytes
    sample_rate: int
    arrived_at: float

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate


class AudioTimeline:
    """Maps positions in a consumer's audio (seconds since it started) to arrival times.

    Built from the chunks the consumer was actually fed, so dropped audio and resampler delay
    do not skew it: the VAD's "speech ended at 12.34 s" becomes the clock reading at which that
    sample reached the server.
    """

    def __init__(self, keep_seconds: float = 30.0) -> None:
        self._keep = keep_seconds
        # One entry per chunk fed, as two arrays of doubles (16 bytes a chunk, searched by
        # bisection): position at the chunk's end and the arrival time of that end.
        self._ends = array("d")
        self._arrivals = array("d")
        self.position = 0.0

    def add(self, seconds: float, end_arrived_at: float) -> None:
        self.position += seconds
        self._ends.append(self.position)
        self._arrivals.append(end_arrived_at)
        if self.position - self._ends[0] > self._keep * 1.25:  # trim now and then, not per chunk
            cut = bisect_left(self._ends, self.position - self._keep)
            del self._ends[:cut]
            del self._arrivals[:cut]

    def time_of(self, position: float) -> float | None:
        """When the sample at ``position`` was heard: the arrival of the chunk holding it, less
        the audio after it in that chunk (None before any audio)."""
        if not self._ends:
            return None
        i = bisect_left(self._ends, position)
        if i == len(self._ends):
            return self._arrivals[-1] + (position - self._ends[-1])
        return self._arrivals[i] - (self._ends[i] - position)


class InputStage:
    """Feeds one consumer from its own queue, in its own task (see the module docstring)."""

    def __init__(
        self,
        name: str,
        consume: Consume,
        *,
        sample_rate: int,
        quality: ResampleQuality = "LQ",
        max_seconds: float = 5.0,
        on_error: Callable[[str, BaseException], None],
        on_drop: Callable[[str, float], None],
        tasks: TaskGroup,
    ) -> None:
        self.name = name
        self.sample_rate = sample_rate
        self.quality = quality
        self.max_seconds = max_seconds
        self.timeline = AudioTimeline()
        self.dropped_seconds = 0.0
        self._consume = consume
        self._on_error = on_error
        self._on_drop = on_drop
        self._queue: deque[InputChunk | Marker] = deque()
        self._queued_seconds = 0.0
        self._ready = asyncio.Event()
        self._resampler: StreamResampler | None = None
        self._tasks = tasks
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def _ensure_running(self) -> None:
        """The stage's task starts with its first input (stages are built before the loop)."""
        if self._task is None:
            self._task = self._tasks.spawn(self._run(), name=f"vocalis.input.{self.name}")

    @property
    def queued_seconds(self) -> float:
        return self._queued_seconds

    def push(self, chunk: InputChunk) -> None:
        """Queue a chunk (never waits); beyond the bound the oldest audio is dropped."""
        if self._closed or not chunk.pcm:
            return
        self._queue.append(chunk)
        self._queued_seconds += chunk.seconds
        if self._queued_seconds > self.max_seconds:
            self._drop_oldest()
        self._ready.set()
        self._ensure_running()

    def push_marker(self, marker: Marker) -> None:
        """Run ``marker`` once every chunk queued before it has been consumed."""
        if not self._closed:
            self._queue.append(marker)
            self._ready.set()
            self._ensure_running()

    def _drop_oldest(self) -> None:
        dropped = 0.0
        kept: deque[InputChunk | Marker] = deque()
        while self._queue and self._queued_seconds > self.max_seconds:
            item = self._queue.popleft()
            if isinstance(item, InputChunk):
                self._queued_seconds -= item.seconds
                dropped += item.seconds
            else:
                kept.append(item)
        self._queue.extendleft(reversed(kept))
        if dropped:
            self.dropped_seconds += dropped
            self._on_drop(self.name, dropped)

    async def _run(self) -> None:
        while True:
            if not self._queue:
                self._ready.clear()
                await self._ready.wait()
                continue
            item = self._queue.popleft()
            if isinstance(item, InputChunk):
                self._queued_seconds = max(0.0, self._queued_seconds - item.seconds)
                await self._feed(item)
            else:
                await self._flush_resampler()
                await self._call(item)

    async def _feed(self, chunk: InputChunk) -> None:
        resampler = self._resampler_for(chunk.sample_rate)
        pcm = resampler.push(chunk.pcm)
        if not pcm:
            return
        arrived = chunk.arrived_at - resampler.delay_seconds
        self.timeline.add(len(pcm) / 2 / self.sample_rate, arrived)
        await self._call(lambda: self._consume(pcm, arrived))

    async def _flush_resampler(self) -> None:
        """Before a marker, push out what the resampler holds (the end of an utterance)."""
        if self._resampler is None or self._resampler.is_passthrough:
            return
        tail = self._resampler.flush()
        if tail:
            end = self.timeline.time_of(self.timeline.position) or 0.0
            seconds = len(tail) / 2 / self.sample_rate
            self.timeline.add(seconds, end + seconds)
            await self._call(lambda: self._consume(tail, end + seconds))

    def _resampler_for(self, rate: int) -> StreamResampler:
        resampler = self._resampler
        if resampler is None or resampler.in_rate != rate or resampler.out_rate != self.sample_rate:
            resampler = self._resampler = StreamResampler(rate, self.sample_rate, self.quality)
        return resampler

    async def _call(self, action: Callable[[], Awaitable[None]]) -> None:
        try:
            await action()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._on_error(self.name, exc)

    def close_soon(self) -> None:
        """Stop the stage without waiting (it was replaced)."""
        self._closed = True
        self._queue.clear()
        if self._task is not None:
            self._task.cancel()

    async def aclose(self) -> None:
        self._closed = True
        self._queue.clear()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])
