"""The async database engine for the call history: SQLite in WAL mode, or PostgreSQL.

SQLite gets WAL (readers such as the dashboard and ``vocalis calls`` never block the writer),
``synchronous=NORMAL`` (safe with WAL) and a busy timeout on every connection.
PostgreSQL connections time out quickly, so a database that is down is noticed in seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

CONNECT_TIMEOUT = 5.0
"""Seconds to reach PostgreSQL before a write batch counts as failed (and is spooled)."""


def create_engine(url: str) -> AsyncEngine:
    """An engine for a normalized URL (``StorageConfig.url``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_driver_name() == "asyncpg":
        connect_args = {"timeout": CONNECT_TIMEOUT, "command_timeout": 30}
    return create_async_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4,
                               connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()
