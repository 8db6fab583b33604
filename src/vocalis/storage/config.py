"""Where call history goes and how long it stays: ``StorageConfig``.

SQLite by default (a file in the data directory, no setup); PostgreSQL when
``VOCALIS_DATABASE_URL`` names one. URLs are normalized to the async drivers (``aiosqlite``,
``asyncpg``), so ``postgresql://user@host/db`` and a plain file path both work.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DATABASE_URL_ENV = "VOCALIS_DATABASE_URL"
DATA_DIR_ENV = "VOCALIS_DATA_DIR"
HISTORY_ENV = "VOCALIS_HISTORY"
DEFAULT_DATA_DIR = "~/.vocalis"

Redactor = Callable[[str], str]
"""Rewrites one piece of text (a transcript line, a tool argument, an error) before it is
stored: the place to remove personal data."""


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """The directory for the SQLite file and the spool (``VOCALIS_DATA_DIR``, ``~/.vocalis``)."""
    env = os.environ if env is None else env
    return Path(env.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser()


def normalize_url(url: str) -> str:
    """``url`` with the async driver SQLAlchemy needs; a bare path is a SQLite file."""
    if "://" not in url:
        return f"sqlite+aiosqlite:///{Path(url).expanduser()}"
    scheme, rest = url.split("://", 1)
    driverless = {"postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg",
                  "sqlite": "sqlite+aiosqlite"}
    return f"{driverless.get(scheme, scheme)}://{rest}"


def history_enabled(env: Mapping[str, str] | None = None) -> bool:
    """False when ``VOCALIS_HISTORY`` is ``off`` (or 0, false, no)."""
    env = os.environ if env is None else env
    return env.get(HISTORY_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


@dataclass
class StorageConfig:
    """Call history settings.

    ``url``: SQLAlchemy URL or file path (default ``$VOCALIS_DATABASE_URL``, else
    ``<data dir>/calls.db``). ``spool_dir``: where writes wait while the database is down
    (default ``<data dir>/spool``). ``retention_days``: calls older than this are deleted
    (None keeps them); ``max_calls``: keep at most this many (None: no limit). ``redact``:
    applied to every piece of text before it is written anywhere, spool included.
    ``batch_size`` writes or ``flush_interval`` seconds, whichever comes first, make one
    transaction; ``max_queued`` writes wait in memory before they go straight to the spool.
    """

    url: str = ""
    spool_dir: Path | None = None
    retention_days: float | None = 30.0
    max_calls: int | None = None
    redact: Redactor | None = None
    batch_size: int = 500
    flush_interval: float = 1.0
    max_queued: int = 20_000
    retry_min_seconds: float = 1.0
    retry_max_seconds: float = 30.0
    retention_interval: float = 3600.0
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)

    def __post_init__(self) -> None:
        if not self.url:
            self.url = self.env.get(DATABASE_URL_ENV) or str(data_dir(self.env) / "calls.db")
        self.url = normalize_url(self.url)
        if self.spool_dir is None:
            self.spool_dir = data_dir(self.env) / "spool"
        self.spool_dir = Path(self.spool_dir).expanduser()
        if self.retention_days is not None and self.retention_days <= 0:
            raise ValueError("retention_days must be > 0 or None")
        if self.max_calls is not None and self.max_calls < 1:
            raise ValueError("max_calls must be >= 1 or None")
        if self.batch_size < 1 or self.max_queued < self.batch_size:
            raise ValueError("need 1 <= batch_size <= max_queued")
        if self.flush_interval < 0 or self.retry_min_seconds <= 0:
            raise ValueError("flush_interval must be >= 0 and retry_min_seconds > 0")

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def display_url(self) -> str:
        """The URL without its password, for logs."""
        scheme, _, rest = self.url.partition("://")
        credentials, at, host = rest.rpartition("@")
        if not at:
            return self.url
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
