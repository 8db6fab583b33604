"""Writes off the call path: batched, never waiting, and never lost when the database is down
(spooled to disk, reported, replayed in order when it answers again)."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from tests.storage.calls import record_call
from tests.storage.conftest import new_postgres_database

from vocalis.storage import CallHistory, CallStore, HistoryWriter, StorageConfig, Write
from vocalis.storage.spool import Spool


def call_writes(call_id: str, lines: int) -> list[Write]:
    writes = [Write("calls", {"id": call_id, "started_at": time.time(), "status": "live"})]
    writes += [Write("transcript", {"call_id": call_id, "seq": i, "role": "user",
                                    "text": f"line {i}", "ended_at": time.time()})
               for i in range(1, lines + 1)]
    return writes


class CountingStore:
    """The real store, counting transactions and failing on demand (``down``)."""

    def __init__(self, store: CallStore) -> None:
        self.store = store
        self.batches: list[int] = []
        self.down = False

    async def apply(self, writes: list[Write]) -> None:
        if self.down:
            raise ConnectionRefusedError("connection refused (test)")
        self.batches.append(len(writes))
        await self.store.apply(writes)

    async def purge(self, **kwargs) -> int:
        return await self.store.purge(**kwargs)

    async def ping(self) -> None:
        if self.down:
            raise ConnectionRefusedError("connection refused (test)")
        await self.store.ping()


async def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.fixture
async def sqlite_store(tmp_path):
    store = CallStore.from_url(str(tmp_path / "calls.db"))
    await store.ensure_schema()
    yield CountingStore(store)
    await store.aclose()


async def transcript_count(store: CallStore, call_id: str) -> int:
    call = await store.get_call(call_id)
    return 0 if call is None else len(call["transcript"])


async def test_writes_go_in_batches_and_submit_never_waits(sqlite_store, tmp_path):
    writer = HistoryWriter(sqlite_store, Spool(tmp_path / "spool"), batch_size=100,
                           flush_interval=0.05)
    writer.start()
    for write in call_writes("c1", 349):
        writer.submit(write)  # a plain call: nothing is written until the writer's task runs
    assert sqlite_store.batches == [] and writer.status().queued == 350
    await writer.flush()
    assert sum(sqlite_store.batches) == 350 and max(sqlite_store.batches) <= 100
    assert len(sqlite_store.batches) <= 5
    assert await transcript_count(sqlite_store.store, "c1") == 349
    assert writer.status().written == 350
    await writer.aclose()


async def test_a_full_queue_goes_to_the_spool_and_is_written_later(sqlite_store, tmp_path):
    spool = Spool(tmp_path / "spool")
    writer = HistoryWriter(sqlite_store, spool, batch_size=10, max_queued=20)
    for write in call_writes("c2", 59):  # the writer is not started: the queue fills up
        writer.submit(write)
    assert spool.pending_writes() == 40 and writer.status().queued == 20
    writer.start()
    await writer.flush()
    assert await transcript_count(sqlite_store.store, "c2") == 59
    assert not spool.has_pending()
    await writer.aclose()


async def test_a_database_that_is_down_loses_nothing_and_is_reported(sqlite_store, tmp_path,
                                                                      caplog):
    spool = Spool(tmp_path / "spool")
    writer = HistoryWriter(sqlite_store, spool, flush_interval=0.01, retry_min_seconds=0.05,
                           retry_max_seconds=0.2)
    writer.start()
    sqlite_store.down = True
    for write in call_writes("c3", 30):
        writer.submit(write)
    await writer.flush()
    status = writer.status()
    assert not status.healthy and "connection refused" in status.last_error
    assert status.spooled == 31 and spool.pending_writes() == 31
    assert any("unavailable" in r.getMessage() for r in caplog.records
               if r.levelno == logging.WARNING)
    for write in call_writes("c4", 5)[1:]:
        writer.submit(Write("transcript", {**write.row, "call_id": "c3", "seq": 100 + write.row["seq"]}))
    sqlite_store.down = False
    await wait_until(lambda: writer.status().healthy)
    await writer.flush()
    assert await transcript_count(sqlite_store.store, "c3") == 35
    assert not spool.has_pending() and writer.status().spooled == 0
    assert any("available again" in r.getMessage() for r in caplog.records)
    await writer.aclose()


async def test_a_row_the_database_refuses_is_set_aside_and_the_rest_is_written(
    sqlite_store, tmp_path, caplog
):
    spool = Spool(tmp_path / "spool")
    writer = HistoryWriter(sqlite_store, spool)
    writer.start()
    writes = call_writes("c8", 5)
    bad = Write("transcript", {"call_id": "c8", "seq": 99, "role": "user", "text": None,
                               "ended_at": time.time()})
    for write in [*writes[:3], bad, *writes[3:]]:
        writer.submit(write)
    await writer.flush()
    status = writer.status()
    assert status.healthy and status.rejected == 1 and status.written == 6
    assert await transcript_count(sqlite_store.store, "c8") == 5
    (kept,) = spool.rejected_path.read_text().splitlines()
    assert '"seq": 99' in kept and "NOT NULL" in kept
    assert not spool.has_pending()
    assert any("refused a transcript row" in r.getMessage() for r in caplog.records)
    await writer.aclose()


async def test_closing_while_the_database_is_down_spools_what_is_queued(sqlite_store, tmp_path):
    spool = Spool(tmp_path / "spool")
    writer = HistoryWriter(sqlite_store, spool, retry_min_seconds=60)
    writer.start()
    sqlite_store.down = True
    for write in call_writes("c5", 9):
        writer.submit(write)
    await writer.aclose()
    assert spool.pending_writes() == 10


async def test_a_spool_left_by_a_crashed_process_is_replayed_when_history_opens(tmp_path):
    spool_dir = tmp_path / "spool"
    Spool(spool_dir).append(call_writes("c6", 4))
    with next(spool_dir.glob("*.jsonl")).open("a") as handle:
        handle.write('{"table": "transcript", "row": {"call_id"')  # cut short by a crash
    config = StorageConfig(url=str(tmp_path / "calls.db"), spool_dir=spool_dir,
                           flush_interval=0.01)
    history = await CallHistory.open(config)
    history.writer.submit(call_writes("c7", 1)[0])
    await history.flush()
    assert await transcript_count(history.store, "c6") == 4
    assert history.writer.spool.corrupt_lines == 1
    assert not list(spool_dir.glob("*"))
    await history.aclose()


async def test_retention_runs_in_the_writer(sqlite_store, tmp_path):
    old = [Write("calls", {"id": "old", "started_at": time.time() - 90 * 86400,
                           "status": "ended"})]
    await sqlite_store.store.apply(old)
    writer = HistoryWriter(sqlite_store, Spool(tmp_path / "spool"), retention=(30, None))
    writer.start()
    writer.submit(call_writes("new", 0)[0])
    await writer.flush()
    assert [c["id"] for c in await sqlite_store.store.list_calls()] == ["new"]
    await writer.aclose()


@pytest.mark.slow
async def test_postgres_going_down_mid_call_loses_nothing(postgres, tmp_path, monkeypatch):
    url = await new_postgres_database(postgres)
    monkeypatch.setenv("VOCALIS_DATABASE_URL", url)
    config = StorageConfig(spool_dir=tmp_path / "spool", flush_interval=0.01,
                           retry_min_seconds=0.1, retry_max_seconds=0.5)
    assert config.url.startswith("postgresql+asyncpg://")
    history = await CallHistory.open(config)
    info, writes, _ = await asyncio.to_thread(record_call)
    half = len(writes) // 2
    try:
        for write in writes[:half]:
            history.writer.submit(write)
        await history.flush()
        assert history.status().healthy
        await asyncio.to_thread(postgres.stop)
        for write in writes[half:]:
            history.writer.submit(write)
        await history.flush()
        status = history.status()
        assert not status.healthy and status.spooled == len(writes) - half
        await asyncio.to_thread(postgres.start)
        await wait_until(lambda: history.status().healthy)
        call = await history.store.get_call(info.id)
        assert call["status"] == "ended"
        assert len(call["transcript"]) == sum(w.table == "transcript" for w in writes)
        assert len(call["turns"]) == sum(w.table == "turns" for w in writes)
    finally:
        await history.aclose()
