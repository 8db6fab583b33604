"""A process-wide scheduler for blocking model inference shared by every session.

Each session submits requests on its own ``InferenceStream``; worker threads run them through one
batch function. Order: the most urgent priority first (a final transcript before an interim),
and among streams waiting at that priority the one served longest ago, so one busy call cannot
starve the others. A request may supersede requests of its stream that have not started (a
newer interim replaces an older one), a request that waited past its ``max_wait`` is dropped
instead of run (a stale interim is worth nothing) and is refused at once when the expected wait
already exceeds it, and each stream's queue is bounded. Requests with the same batch key and
priority can share one call of the batch function. Background work (``background_priority``
and above, such as interims) never occupies the last ``reserved`` workers, so urgent work does
not wait for it to finish. ``load()`` reports the queue wait: the load signal that admission
control reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

logger = logging.getLogger("vocalis.inference")

P = TypeVar("P")
R = TypeVar("R")

BatchFunction = Callable[[Hashable, list[Any]], list[Any]]
"""``run(batch_key, payloads) -> results``: blocking, one result per payload, in order."""

_EWMA = 0.2  # weight of the newest sample in the running averages

_live: weakref.WeakSet[InferenceScheduler[Any, Any]] = weakref.WeakSet()


def live_schedulers() -> list[InferenceScheduler[Any, Any]]:
    """Every scheduler of this process that has not been closed (admission control reads
    their load)."""
    return [s for s in list(_live) if not s.closed]


class Dropped(Exception):
    """A request that was not run: superseded, stale, shed under load, over its stream's bound,
    or its stream closed. ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SchedulerLoad:
    """A snapshot of the scheduler's load.

    ``queue_wait`` is the running average of how long the most urgent requests (priority 0)
    waited before they ran; ``expected_wait`` is how long a priority-0 request submitted now would
    wait (the oldest such request's wait so far, or the work ahead of it, whichever is longer).
    ``service_time`` is the running average model time per request; ``completed`` counts the
    requests run, in ``batches`` calls of the batch function; ``dropped`` counts the requests not
    run, by reason ("superseded", "stale", "busy", "queue full", ...).
    """

    workers: int
    streams: int
    pending: int
    running: int
    queue_wait: float
    expected_wait: float
    service_time: float
    completed: int
    dropped: dict[str, int]
    batches: int = 0


@dataclass(eq=False)
class _Request:
    stream: InferenceStream[Any, Any]
    payload: Any
    priority: int
    kind: str
    batch_key: Hashable
    max_wait: float | None
    submitted: float
    seq: int
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]


@dataclass(eq=False)
class _StreamState:
    pending: list[_Request] = field(default_factory=list)
    served_at: int = -1
    closed: bool = False


class InferenceStream(Generic[P, R]):
    """One session's queue in an ``InferenceScheduler``; close it when the session ends."""

    def __init__(self, scheduler: InferenceScheduler[P, R], name: str) -> None:
        self.scheduler = scheduler
        self.name = name
        self._state = _StreamState()

    def submit(
        self,
        payload: P,
        *,
        priority: int = 0,
        kind: str = "",
        supersedes: Collection[str] = (),
        max_wait: float | None = None,
        batch_key: Hashable = None,
    ) -> asyncio.Future[R]:
        """Queue ``payload``; the future resolves with its result or fails with ``Dropped``.

        Lower ``priority`` runs first. Pending requests of this stream whose ``kind`` is in
        ``supersedes`` are dropped. With ``max_wait`` the request is dropped rather than run
        later than that many seconds after now. Call from the event loop that awaits it.
        """
        return self.scheduler._submit(
            self, payload, priority, kind, frozenset(supersedes), max_wait, batch_key
        )

    def pending(self) -> int:
        """Requests of this stream waiting to run."""
        return self.scheduler._pending_of(self)

    def close(self) -> None:
        """Drop every pending request of this stream; later submits fail with ``Dropped``."""
        self.scheduler._close_stream(self)


class InferenceScheduler(Generic[P, R]):
    """Runs requests from many streams on ``workers`` threads through ``run``.

    ``max_batch`` requests with equal ``batch_key`` and priority may go to ``run`` together;
    ``max_pending`` bounds each stream's queue (the least urgent, then oldest, request is dropped
    to make room). Requests at ``background_priority`` or above run on at most ``workers -
    reserved`` workers at once (at least one). With ``start=False`` no thread starts: call
    ``run_next()`` to run one batch in the calling thread (deterministic tests). ``clock`` is
    injectable for the same reason.
    """

    def __init__(
        self,
        run: BatchFunction,
        *,
        workers: int = 1,
        max_batch: int = 1,
        max_pending: int = 8,
        background_priority: int | None = None,
        reserved: int = 1,
        name: str = "inference",
        start: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if workers < 1 or max_batch < 1 or max_pending < 1 or reserved < 0:
            raise ValueError("workers, max_batch and max_pending must be >= 1, reserved >= 0")
        self.name = name
        self.workers = workers
        self.max_batch = max_batch
        self.max_pending = max_pending
        self.background_priority = background_priority
        self.background_workers = max(1, workers - reserved)
        self._run = run
        self._clock = clock
        self._cond = threading.Condition()
        self._streams: dict[InferenceStream[P, R], _StreamState] = {}
        self._seq = 0
        self._tick = 0
        self._running = 0  # requests being run
        self._busy = 0  # workers running a batch
        self._busy_background = 0
        self._closed = False
        self._start_threads = start
        self._threads: list[threading.Thread] = []
        self._queue_wait = 0.0
        self._service_time = 0.0
        self._completed = 0
        self._batches = 0
        self._dropped: Counter[str] = Counter()
        _live.add(self)

    @property
    def closed(self) -> bool:
        return self._closed

    # ---- streams -----------------------------------------------------------------------------

    def open_stream(self, name: str = "") -> InferenceStream[P, R]:
        """A new stream (one per session), starting the worker threads on first use."""
        stream: InferenceStream[P, R] = InferenceStream(self, name or f"stream-{self._seq}")
        with self._cond:
            if self._closed:
                raise RuntimeError(f"{self.name} scheduler is closed")
            self._streams[stream] = stream._state
            if self._start_threads and not self._threads:
                for i in range(self.workers):
                    thread = threading.Thread(
                        target=self._worker, name=f"vocalis-{self.name}-{i}", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)
        return stream

    def _close_stream(self, stream: InferenceStream[P, R]) -> None:
        with self._cond:
            state = self._streams.pop(stream, None)
            if state is None:
                return
            state.closed = True
            dropped, state.pending = state.pending, []
        for request in dropped:
            self._drop(request, "stream closed")

    def _pending_of(self, stream: InferenceStream[P, R]) -> int:
        with self._cond:
            return sum(1 for r in stream._state.pending if not r.future.done())

    # ---- submitting --------------------------------------------------------------------------

    def _submit(
        self,
        stream: InferenceStream[P, R],
        payload: P,
        priority: int,
        kind: str,
        supersedes: frozenset[str],
        max_wait: float | None,
        batch_key: Hashable,
    ) -> asyncio.Future[R]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        dropped: list[tuple[_Request, str]] = []
        with self._cond:
            now = self._clock()
            request = _Request(stream, payload, priority, kind, batch_key, max_wait, now,
                               self._seq, loop, future)
            self._seq += 1
            state = stream._state
            if state.closed:
                dropped.append((request, "stream closed"))
            elif max_wait is not None and self._expected_wait_locked(priority, now) > max_wait:
                dropped.append((request, "busy"))
            else:
                kept = []
                for old in state.pending:
                    if old.future.done():
                        continue
                    if old.kind in supersedes:
                        dropped.append((old, "superseded"))
                    else:
                        kept.append(old)
                kept.append(request)
                if len(kept) > self.max_pending:
                    victim = max(kept, key=lambda r: (r.priority, -r.seq))
                    kept.remove(victim)
                    dropped.append((victim, "queue full"))
                state.pending = kept
                self._cond.notify()
        for old, reason in dropped:
            self._drop(old, reason)
        return future

    def _drop(self, request: _Request, reason: str) -> None:
        with self._cond:  # a reentrant lock: callers may hold it already
            self._dropped[reason] += 1
        self._settle(request, None, Dropped(reason))

    # ---- load --------------------------------------------------------------------------------

    def load(self) -> SchedulerLoad:
        """The current load (see ``SchedulerLoad``)."""
        with self._cond:
            now = self._clock()
            return SchedulerLoad(
                workers=self.workers,
                streams=len(self._streams),
                pending=sum(len(s.pending) for s in self._streams.values()),
                running=self._running,
                queue_wait=self._queue_wait,
                expected_wait=self._expected_wait_locked(0, now),
                service_time=self._service_time,
                completed=self._completed,
                dropped=dict(self._dropped),
                batches=self._batches,
            )

    def _expected_wait_locked(self, priority: int, now: float) -> float:
        ahead = [
            r for s in self._streams.values() for r in s.pending
            if r.priority <= priority and not r.future.done()
        ]
        if not ahead and self._busy < self.workers:
            return 0.0
        oldest = max((now - r.submitted for r in ahead), default=0.0)
        backlog = (len(ahead) + self._running) * self._service_time / self.workers
        return max(oldest, backlog)

    # ---- running -----------------------------------------------------------------------------

    def run_next(self) -> int:
        """Run one batch in the calling thread (for ``start=False``); returns its size."""
        with self._cond:
            batch = self._take_locked()
        if batch:
            self._execute(batch)
        return len(batch)

    def _worker(self) -> None:
        while True:
            with self._cond:
                batch = [] if self._closed else self._take_locked()
                while not batch and not self._closed:
                    self._cond.wait()
                    batch = self._take_locked()
                if self._closed:
                    if batch:
                        self._release_locked(batch)
                    for request in batch:
                        self._drop(request, "scheduler closed")
                    return
            self._execute(batch)

    def _is_background(self, request: _Request) -> bool:
        return self.background_priority is not None and \
            request.priority >= self.background_priority

    def _release_locked(self, batch: list[_Request]) -> None:
        self._running -= len(batch)
        self._busy -= 1
        if self._is_background(batch[0]):
            self._busy_background -= 1
        self._cond.notify_all()  # a worker held back from background work may take it now

    def _take_locked(self) -> list[_Request]:
        now = self._clock()
        heads: list[tuple[int, int, int, _Request]] = []
        stale: list[_Request] = []
        for state in self._streams.values():
            live = []
            for r in state.pending:
                if r.future.done():
                    continue
                if r.max_wait is not None and now - r.submitted > r.max_wait:
                    stale.append(r)
                else:
                    live.append(r)
            state.pending = live
            if live:
                head = min(live, key=lambda r: (r.priority, r.seq))
                heads.append((head.priority, state.served_at, head.seq, head))
        for r in stale:
            self._drop(r, "stale")
        if self._busy_background >= self.background_workers:
            heads = [h for h in heads if not self._is_background(h[3])]
        if not heads:
            return []
        heads.sort(key=lambda h: h[:3])
        first = heads[0][3]
        batch = [first]
        for _, _, _, r in heads[1:]:
            if len(batch) >= self.max_batch:
                break
            if r.priority == first.priority and r.batch_key == first.batch_key:
                batch.append(r)
        for r in batch:
            state = r.stream._state
            state.pending.remove(r)
            state.served_at = self._tick
            self._tick += 1
            wait = now - r.submitted
            if r.priority == 0:
                self._queue_wait += _EWMA * (wait - self._queue_wait)
        self._running += len(batch)
        self._busy += 1
        if self._is_background(first):
            self._busy_background += 1
        return batch

    def _execute(self, batch: list[_Request]) -> None:
        started = time.perf_counter()
        try:
            results = self._run(batch[0].batch_key, [r.payload for r in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"batch function returned {len(results)} results "
                                   f"for {len(batch)} requests")
        except Exception as exc:
            logger.warning("%s: batch of %d failed: %s", self.name, len(batch), exc)
            outcome: list[tuple[Any, BaseException | None]] = [(None, exc)] * len(batch)
        else:
            outcome = [(result, None) for result in results]
        elapsed = time.perf_counter() - started
        with self._cond:
            self._release_locked(batch)
            self._completed += len(batch)
            self._batches += 1
            self._service_time += _EWMA * (elapsed / len(batch) - self._service_time)
        for request, (result, error) in zip(batch, outcome, strict=True):
            self._settle(request, result, error)

    @staticmethod
    def _settle(request: _Request, result: Any, error: BaseException | None) -> None:
        def settle() -> None:
            if request.future.done():
                return
            if error is not None:
                request.future.set_exception(error)
            else:
                request.future.set_result(result)

        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
            request.loop.call_soon_threadsafe(settle)

    def close(self) -> None:
        """Stop the workers after their current batch; pending requests are dropped."""
        with self._cond:
            self._closed = True
            streams = list(self._streams)
            self._cond.notify_all()
        for stream in streams:
            self._close_stream(stream)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5.0)
        self._threads.clear()
