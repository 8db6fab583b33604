"""The call history database, on SQLite and on a real PostgreSQL: schema and migrations, whole
calls read back, idempotent writes, search, percentiles across calls, retention."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from tests.storage.calls import record_call

from vocalis.storage import CallStore
from vocalis.storage.migrate import current_revision, head_revision
from vocalis.storage.schema import metadata
from vocalis.storage.writes import Write


@pytest.fixture(scope="module")
def recorded():
    """One recorded call's rows (recording runs on a virtual clock, once)."""
    return record_call()


@pytest.fixture(scope="module")
def other_recorded():
    return record_call(agent="Concierge", transport="twilio")


async def open_store(url: str) -> CallStore:
    store = CallStore.from_url(url)
    await store.ensure_schema()
    return store


async def test_migrations_build_exactly_the_schema_the_code_uses(database_url):
    store = await open_store(database_url)
    try:
        assert await current_revision(store.engine) == head_revision()
        async with store.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
        assert diff == []
        await store.ensure_schema()  # idempotent
        if database_url.startswith("sqlite"):
            async with store.engine.connect() as conn:
                mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            assert mode == "wal"
    finally:
        await store.aclose()


async def test_a_recorded_call_reads_back_whole(database_url, recorded):
    info, writes, _ = recorded
    store = await open_store(database_url)
    try:
        await store.apply(writes)
        call = await store.get_call(info.id)
        ended = writes[-1].row
        for key in ("status", "end_reason", "agent", "transport", "turn_count", "error_count",
                    "interruption_count", "tool_call_count", "info"):
            assert call[key] == ended[key], key
        assert call["started_at"] == pytest.approx(info.started_at)
        for table in ("transcript", "tool_calls", "turns", "errors", "events"):
            expected = [{k: v for k, v in w.row.items() if k != "call_id"}
                        for w in writes if w.table == table]
            assert call[table] == expected, table
        assert await store.get_call("nope") is None
    finally:
        await store.aclose()


async def test_writing_twice_or_in_any_order_stores_each_row_once(database_url, recorded):
    info, writes, _ = recorded
    store = await open_store(database_url)
    try:
        await store.apply(list(reversed(writes)))  # the final call row before the first one
        await store.apply(writes[:10])
        await store.apply(writes)
        call = await store.get_call(info.id)
        assert call["status"] == "ended" and call["end_reason"] == "participant_left"
        assert len(call["transcript"]) == sum(w.table == "transcript" for w in writes)
        assert len(await store.list_calls()) == 1
    finally:
        await store.aclose()


async def test_history_is_searchable_by_words_said_agent_transport_and_id(
    database_url, recorded, other_recorded
):
    info, writes, _ = recorded
    other, other_writes, _ = other_recorded
    store = await open_store(database_url)
    try:
        await store.apply(writes + other_writes)

        async def found(query: str) -> set[str]:
            return {c["id"] for c in await store.list_calls(search=query)}

        assert await found("") == {info.id, other.id}
        assert await found("concierge") == {other.id}
        assert await found("TWILIO") == {other.id}
        assert await found(info.id[:6]) == {info.id}
        assert await found("when are you OPEN") == {info.id, other.id}
        assert await found("100%_") == set()
        assert await store.find_call_id(other.id[:8]) == other.id
        assert [c["id"] for c in await store.list_calls(limit=1)] == [other.id]
        assert [c["id"] for c in await store.list_calls(limit=1, offset=1)] == [info.id]
    finally:
        await store.aclose()


async def test_latency_percentiles_across_calls(database_url):
    store = await open_store(database_url)
    try:
        writes = [Write("calls", {"id": "c", "started_at": time.time(), "status": "ended"})]
        for i in range(1, 101):
            writes.append(Write("turns", {
                "call_id": "c", "seq": i, "turn_id": i, "ended_at": time.time(),
                "e2e_latency_ms": float(i * 10), "llm_ttft_ms": 100.0,
            }))
        await store.apply(writes)
        result = await store.latency_percentiles()
        e2e = result["stages"]["e2e_latency_ms"]
        assert result["turns"] == 100 and e2e["count"] == 100
        assert e2e["p50"] == pytest.approx(505.0) and e2e["p99"] == pytest.approx(990.1)
        assert len(e2e["curve"]) == 99 and e2e["curve"] == sorted(e2e["curve"])
        assert result["stages"]["llm_ttft_ms"]["p95"] == 100.0
        assert result["stages"]["tts_ttfb_ms"] == {"count": 0, "p50": None, "p90": None,
                                                   "p95": None, "p99": None, "curve": []}
    finally:
        await store.aclose()


async def test_retention_removes_old_calls_and_everything_about_them(database_url):
    store = await open_store(database_url)
    now = time.time()
    try:
        for index, age_days in enumerate((40, 20, 10, 1)):
            await store.apply([
                Write("calls", {"id": f"call{index}", "started_at": now - age_days * 86400,
                                "status": "ended"}),
                Write("transcript", {"call_id": f"call{index}", "seq": 1, "role": "user",
                                     "text": "hi", "ended_at": now}),
            ])
        assert await store.purge(older_than=now - 30 * 86400) == 1
        assert await store.purge(keep=2) == 1
        assert [c["id"] for c in await store.list_calls()] == ["call3", "call2"]
        async with store.engine.connect() as conn:
            left = (await conn.execute(sa.text("SELECT call_id FROM transcript"))).scalars()
            assert sorted(left) == ["call2", "call3"]
        assert await store.purge() == 0
    finally:
        await store.aclose()
