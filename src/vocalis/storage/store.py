"""``CallStore``: the call history database, for the writer (``apply``, ``purge``) and for the
readers (``vocalis calls``, the dashboard, exports).

Everything goes through SQLAlchemy Core on an async engine, so SQLite and PostgreSQL run the
same statements. Inserts skip rows whose key exists, which makes every batch safe to replay.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from ..metrics import percentile
from . import schema
from .config import normalize_url
from .engine import create_engine
from .migrate import upgrade
from .writes import Write

PERCENTILES = (50, 90, 95, 99)
MAX_LATENCY_SAMPLES = 20_000
"""Most recent turns the cross-call latency percentiles are computed from."""


class CallStore:
    """Reads and writes of the call history on one engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._migrated = False

    @classmethod
    def from_url(cls, url: str) -> CallStore:
        """A store on ``url`` (any form ``StorageConfig`` accepts: a file path, ``sqlite://``,
        ``postgresql://``)."""
        return cls(create_engine(normalize_url(url)))

    async def ensure_schema(self) -> None:
        """Migrate to the newest schema (once per store)."""
        if not self._migrated:
            await upgrade(self.engine)
            self._migrated = True

    async def aclose(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> None:
        """Raise unless the database answers."""
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    # ---- writing -----------------------------------------------------------------------------

    async def apply(self, writes: list[Write]) -> None:
        """Write ``writes`` in one transaction: each table's new rows in one statement, then
        the call rows to replace (rows may come in any order: see ``schema``)."""
        await self.ensure_schema()
        inserts: dict[str, list[dict[str, Any]]] = {}
        upserts: list[dict[str, Any]] = []
        for write in writes:
            if write.upsert:
                upserts.append(write.row)
            else:
                inserts.setdefault(write.table, []).append(write.row)
        async with self.engine.begin() as conn:
            statements = _statements(conn.dialect.name)
            for table_name, rows in inserts.items():
                await conn.execute(statements.insert_new[table_name], rows)
            if upserts:
                await conn.execute(statements.upsert_call,
                                   [_complete_call_row(row) for row in upserts])

    async def purge(self, *, older_than: float | None = None, keep: int | None = None) -> int:
        """Delete calls that started before ``older_than`` (epoch seconds) and all but the
        ``keep`` newest calls, with everything recorded about them; returns how many."""
        calls = schema.calls
        doomed = []
        if older_than is not None:
            doomed.append(sa.select(calls.c.id).where(calls.c.started_at < older_than))
        if keep is not None:
            doomed.append(
                sa.select(calls.c.id).order_by(calls.c.started_at.desc()).offset(keep)
            )
        if not doomed:
            return 0
        await self.ensure_schema()
        async with self.engine.begin() as conn:
            ids: set[str] = set()
            for query in doomed:
                ids.update((await conn.execute(query)).scalars())
            for chunk in _chunks(sorted(ids), 500):
                for name in schema.CHILD_TABLES:
                    table = schema.TABLES[name]
                    await conn.execute(sa.delete(table).where(table.c.call_id.in_(chunk)))
                await conn.execute(sa.delete(calls).where(calls.c.id.in_(chunk)))
        return len(ids)

    async def end_unfinished(self, call: dict[str, Any], reason: str,
                             at: float | None = None) -> bool:
        """End call ``call`` (a call row: ``id``, ``started_at``, what else is known) with
        ``reason`` unless it has an end already; the row is added if its process never wrote
        one. For a call whose process died before it could record its end. True when the call
        was ended here."""
        await self.ensure_schema()
        calls = schema.calls
        async with self.engine.begin() as conn:
            statements = _statements(conn.dialect.name)
            await conn.execute(statements.insert_new["calls"], [{**call, "status": "live"}])
            result = await conn.execute(
                sa.update(calls).where(calls.c.id == call["id"], calls.c.ended_at.is_(None))
                .values(status="ended", ended_at=time.time() if at is None else at,
                        end_reason=reason))
        return bool(result.rowcount)

    # ---- reading -----------------------------------------------------------------------------

    async def list_calls(
        self, *, search: str = "", limit: int = 50, offset: int = 0, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Calls, newest first. ``search`` matches the id's start, the agent, transport, room,
        participant, end reason and any transcript line (case-insensitive)."""
        await self.ensure_schema()
        calls = schema.calls
        query = sa.select(calls).order_by(calls.c.started_at.desc()).limit(limit).offset(offset)
        if status:
            query = query.where(calls.c.status == status)
        if search.strip():
            pattern = f"%{_escape_like(search.strip())}%"
            transcript = schema.transcript
            spoken = sa.select(transcript.c.call_id).where(
                transcript.c.text.ilike(pattern, escape="\\")
            )
            query = query.where(sa.or_(
                calls.c.id.ilike(f"{_escape_like(search.strip())}%", escape="\\"),
                *(column.ilike(pattern, escape="\\") for column in (
                    calls.c.agent, calls.c.transport, calls.c.room_id, calls.c.participant,
                    calls.c.end_reason)),
                calls.c.id.in_(spoken),
            ))
        async with self.engine.connect() as conn:
            return [dict(row._mapping) for row in await conn.execute(query)]

    async def find_call_id(self, prefix: str) -> str | None:
        """The id of the one call whose id starts with ``prefix``; None if none; ValueError if
        several do."""
        await self.ensure_schema()
        calls = schema.calls
        query = sa.select(calls.c.id).where(
            calls.c.id.like(f"{_escape_like(prefix)}%", escape="\\")
        ).limit(2)
        async with self.engine.connect() as conn:
            ids = list((await conn.execute(query)).scalars())
        if len(ids) > 1:
            raise ValueError(f"several calls start with {prefix!r}: give more of the id")
        return ids[0] if ids else None

    async def get_call(self, call_id: str) -> dict[str, Any] | None:
        """One call with its transcript, tool calls, turns, errors and events (each by time)."""
        await self.ensure_schema()
        async with self.engine.connect() as conn:
            row = (await conn.execute(
                sa.select(schema.calls).where(schema.calls.c.id == call_id)
            )).first()
            if row is None:
                return None
            record: dict[str, Any] = dict(row._mapping)
            for name in schema.CHILD_TABLES:
                table = schema.TABLES[name]
                result = await conn.execute(
                    sa.select(*[c for c in table.c if c.name != "call_id"])
                    .where(table.c.call_id == call_id).order_by(table.c.seq)
                )
                record[name] = [dict(r._mapping) for r in result]
        return record

    async def export_calls(self, ids: Iterable[str] | None = None, *,
                           since: float | None = None) -> list[dict[str, Any]]:
        """Full records of ``ids`` (default: every call, or those started after ``since``)."""
        if ids is None:
            await self.ensure_schema()
            calls = schema.calls
            query = sa.select(calls.c.id).order_by(calls.c.started_at)
            if since is not None:
                query = query.where(calls.c.started_at >= since)
            async with self.engine.connect() as conn:
                ids = list((await conn.execute(query)).scalars())
        records = []
        for call_id in ids:
            record = await self.get_call(call_id)
            if record is not None:
                records.append(record)
        return records

    async def latency_percentiles(
        self, *, since: float | None = None, limit: int = MAX_LATENCY_SAMPLES
    ) -> dict[str, Any]:
        """For each stage, percentiles of the most recent ``limit`` turns across calls, plus the
        whole curve (1st..99th) for plotting."""
        await self.ensure_schema()
        turns = schema.turns
        columns = [turns.c[name] for name in schema.LATENCY_COLUMNS]
        query = sa.select(*columns).order_by(turns.c.ended_at.desc()).limit(limit)
        if since is not None:
            query = query.where(turns.c.ended_at >= since)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        stages: dict[str, Any] = {}
        for index, name in enumerate(schema.LATENCY_COLUMNS):
            values = [row[index] for row in rows if row[index] is not None]
            stages[name] = {
                "count": len(values),
                **{f"p{q}": _round(percentile(values, q)) for q in PERCENTILES},
                "curve": [_round(percentile(values, q)) for q in range(1, 100)] if values else [],
            }
        return {"turns": len(rows), "stages": stages, "computed_at": time.time()}


@dataclass(frozen=True)
class _Statements:
    """The writer's statements for one dialect, built once."""

    insert_new: dict[str, Any]
    """Per table: insert rows, skipping those whose key is already there."""
    upsert_call: Any
    """Insert a call row, or replace the stored one with it (all columns given)."""


@cache
def _statements(dialect: str) -> _Statements:
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:
        raise RuntimeError(f"call history supports SQLite and PostgreSQL, not {dialect}")
    upsert = insert(schema.calls)
    return _Statements(
        insert_new={name: insert(table).on_conflict_do_nothing()
                    for name, table in schema.TABLES.items()},
        upsert_call=upsert.on_conflict_do_update(
            index_elements=[schema.calls.c.id],
            set_={c.name: upsert.excluded[c.name] for c in schema.calls.c if c.name != "id"},
        ),
    )


def _complete_call_row(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with every column of ``calls`` (missing ones None), as the upsert replaces all."""
    return {column.name: row.get(column.name) for column in schema.calls.c}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
