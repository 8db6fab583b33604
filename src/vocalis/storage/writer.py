"""``HistoryWriter``: call history writes off the call path, batched, and never lost.

A recorder hands each row to ``submit``, which only appends to a bounded queue (and, should the
queue be full, to the spool on disk): a call never waits for the database. One task takes up to
``batch_size`` rows at a time (or what arrived within ``flush_interval``) and writes them in one
transaction. When that fails the batch goes to the spool, the writer reports the database down
(a warning in the log, ``status()`` for the dashboard) and retries with a growing delay; once
the database answers, the spool is replayed in order before anything new is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..utils.tasks import TaskGroup
from .spool import Spool
from .writes import Write

logger = logging.getLogger("vocalis.storage")


class WriteTarget(Protocol):
    """Where batches go (``CallStore``)."""

    async def apply(self, writes: list[Write]) -> None: ...

    async def ping(self) -> None:
        """Raise unless the database answers."""

    async def purge(self, *, older_than: float | None = None, keep: int | None = None) -> int: ...


@dataclass(frozen=True)
class WriterStatus:
    """What the writer reports: is the database taking writes, and what waits where."""

    healthy: bool
    last_error: str | None
    down_since: float | None
    queued: int
    spooled: int
    written: int
    rejected: int

    def to_dict(self) -> dict[str, object]:
        return {
            "healthy": self.healthy, "last_error": self.last_error,
            "down_since": self.down_since, "queued": self.queued, "spooled": self.spooled,
            "written": self.written, "rejected": self.rejected,
        }


class HistoryWriter:
    """Writes ``Write``s to ``target`` in batches; spools and retries when it fails."""

    def __init__(
        self,
        target: WriteTarget,
        spool: Spool,
        *,
        batch_size: int = 500,
        flush_interval: float = 1.0,
        max_queued: int = 20_000,
        retry_min_seconds: float = 1.0,
        retry_max_seconds: float = 30.0,
        retention: tuple[float | None, int | None] = (None, None),
        retention_interval: float = 3600.0,
    ) -> None:
        self.target = target
        self.spool = spool
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.retry_min = retry_min_seconds
        self.retry_max = retry_max_seconds
        self.retention_days, self.retention_keep = retention
        self.retention_interval = retention_interval
        self._queue: asyncio.Queue[Write] = asyncio.Queue(max_queued)
        self._tasks = TaskGroup("vocalis.storage.writer")
        self._wake = asyncio.Event()
        self._closing = False
        self._healthy = True
        self._last_error: str | None = None
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._retry_delay = retry_min_seconds
        self._next_purge = 0.0
        self._spooled_pending = spool.pending_writes()
        self._written = 0
        self._rejected = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # ---- the call path -----------------------------------------------------------------------

    def submit(self, write: Write) -> None:
        """Queue ``write``; never waits (a full queue sends it to the spool instead)."""
        self._idle.clear()
        try:
            self._queue.put_nowait(write)
        except asyncio.QueueFull:
            self.spool.append([write])
            self._spooled_pending += 1
        size = self._queue.qsize()
        if size == 1 or size >= self.batch_size:
            self._wake.set()  # the first write starts the flush timer; a full batch ends it

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.spool.reclaim_abandoned()
        self._tasks.spawn(self._run(), name="vocalis.storage.writer")

    async def flush(self) -> None:
        """Wait until everything submitted so far is written or spooled."""
        self._wake.set()
        await self._idle.wait()

    async def aclose(self) -> None:
        """Write (or spool) what is queued, then stop."""
        self._closing = True
        self._wake.set()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._idle.wait(), 30.0)
        await self._tasks.aclose()
        self._to_spool(self._drain(self._queue.qsize()))

    def status(self) -> WriterStatus:
        return WriterStatus(
            healthy=self._healthy, last_error=self._last_error, down_since=self._down_since,
            queued=self._queue.qsize(), spooled=self._spooled_pending, written=self._written,
            rejected=self._rejected,
        )

    # ---- the writing task --------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            await self._wait_for_work()
            await self._recover()
            batch = self._drain(self.batch_size)
            if batch:
                await self._write(batch)
            if self._healthy:
                await self._purge_if_due()
            if self._queue.empty():
                self._idle.set()
                if self._closing:
                    return

    async def _wait_for_work(self) -> None:
        """Until a batch is full, ``flush_interval`` after the first write, or a retry is due."""
        if self._closing or self._queue.qsize() >= self.batch_size:
            return
        if self._queue.empty():
            retry_in = None if self._healthy else max(0.0, self._retry_at - time.monotonic())
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), retry_in)
            if self._queue.empty():
                return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._until_batch_full(), self.flush_interval)

    async def _until_batch_full(self) -> None:
        while self._queue.qsize() < self.batch_size and not self._closing:
            self._wake.clear()
            await self._wake.wait()
            if self._queue.qsize() < self.batch_size and not self._closing:
                return  # woken by flush()

    def _drain(self, limit: int) -> list[Write]:
        batch: list[Write] = []
        while len(batch) < limit:
            try:
                batch.append(self._queue.get_nowait())
            except asyncio.QueueEmpty:
                break
        return batch

    async def _write(self, batch: list[Write]) -> None:
        if not self._healthy:
            self._to_spool(batch)
            return
        try:
            await self._apply(batch)
        except Exception as exc:
            self._to_spool(batch)
            self._went_down(exc)

    async def _apply(self, batch: list[Write]) -> None:
        """Write ``batch``; raise when the database does not answer. Rows it refuses while it
        answers (one bad row must not hold up the others) go to the spool's rejected file."""
        try:
            await self.target.apply(batch)
        except Exception:
            if not await self._answers():
                raise
        else:
            self._written += len(batch)
            return
        for write in batch:
            try:
                await self.target.apply([write])
            except Exception as exc:
                if not await self._answers():
                    raise
                self._reject(write, exc)
            else:
                self._written += 1

    async def _answers(self) -> bool:
        try:
            await self.target.ping()
        except Exception:
            return False
        return True

    def _reject(self, write: Write, exc: BaseException) -> None:
        self._rejected += 1
        error = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        logger.error("call history: the database refused a %s row (%s); it is kept in %s",
                     write.table, error, self.spool.rejected_path)
        try:
            self.spool.reject(write, error)
        except OSError:
            logger.exception("call history: the refused row could not be kept")

    def _to_spool(self, batch: list[Write]) -> None:
        try:
            self.spool.append(batch)
        except OSError:
            logger.exception("call history: the spool (%s) cannot be written either; "
                             "%d writes are lost", self.spool.directory, len(batch))
            return
        self._spooled_pending += len(batch)

    def _went_down(self, exc: BaseException) -> None:
        message = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        if self._healthy:
            logger.warning("call history database unavailable (%s); writes are kept in %s and "
                           "retried", message, self.spool.directory)
            self._down_since = time.time()
            self._retry_delay = self.retry_min
        else:
            self._retry_delay = min(self.retry_max, self._retry_delay * 2)
        self._healthy = False
        self._last_error = message
        self._retry_at = time.monotonic() + self._retry_delay

    async def _recover(self) -> None:
        """Replay the spool, oldest file first, when there is one and a retry is due."""
        if not self._healthy and time.monotonic() < self._retry_at:
            return
        if self._healthy and not self._spooled_pending:
            return
        replayed = 0
        try:
            for path in self.spool.pending_files():
                claimed = self.spool.claim(path)
                if claimed is None:
                    continue
                try:
                    replayed += await self._replay(claimed)
                except BaseException:
                    self.spool.release(claimed)
                    raise
                claimed.unlink()
        except Exception as exc:
            self._went_down(exc)
            return
        if not self._healthy:
            logger.warning("call history database available again; %d spooled writes "
                           "replayed", replayed)
        self._healthy = True
        self._last_error = None
        self._down_since = None
        self._spooled_pending = self.spool.pending_writes()

    async def _replay(self, claimed: Path) -> int:
        batch: list[Write] = []
        count = 0
        for write in self.spool.read(claimed):
            batch.append(write)
            if len(batch) >= self.batch_size:
                await self._apply(batch)
                count += len(batch)
                batch = []
        if batch:
            await self._apply(batch)
            count += len(batch)
        return count

    async def _purge_if_due(self) -> None:
        if self.retention_days is None and self.retention_keep is None:
            return
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + self.retention_interval
        older_than = (time.time() - self.retention_days * 86400.0
                      if self.retention_days is not None else None)
        try:
            removed = await self.target.purge(older_than=older_than, keep=self.retention_keep)
        except Exception as exc:
            logger.warning("call history retention failed: %s", exc)
            return
        if removed:
            logger.info("call history retention removed %d calls", removed)
