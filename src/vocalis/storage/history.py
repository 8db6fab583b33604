"""``CallHistory``: the call history of one process — a store, its writer, and recorders.

Open it once (``await CallHistory.open(config)``), call ``record(session, info)`` for each call
before the session starts, and ``aclose()`` at the end (what is still queued is written, or
spooled when the database is down). Reads go through ``history.store``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..session.call_info import CallInfo
from .config import StorageConfig
from .recorder import CallRecorder
from .spool import Spool
from .store import CallStore
from .writer import HistoryWriter, WriterStatus

logger = logging.getLogger("vocalis.storage")


class CallHistory:
    """Records calls into ``store`` through one ``HistoryWriter``."""

    def __init__(self, config: StorageConfig, store: CallStore, writer: HistoryWriter) -> None:
        self.config = config
        self.store = store
        self.writer = writer

    @classmethod
    async def open(cls, config: StorageConfig | None = None) -> CallHistory:
        """Connect, migrate the schema and start the writer. A database that is down does not
        stop this: writes are spooled until it answers."""
        config = config or StorageConfig()
        store = CallStore.from_url(config.url)
        try:
            await store.ensure_schema()
        except Exception as exc:
            logger.warning("call history database %s unavailable at start (%s); writes are "
                           "spooled until it answers", config.display_url, exc)
        assert config.spool_dir is not None
        writer = HistoryWriter(
            store, Spool(config.spool_dir), batch_size=config.batch_size,
            flush_interval=config.flush_interval, max_queued=config.max_queued,
            retry_min_seconds=config.retry_min_seconds,
            retry_max_seconds=config.retry_max_seconds,
            retention=(config.retention_days, config.max_calls),
            retention_interval=config.retention_interval,
        )
        writer.start()
        logger.info("call history in %s", config.display_url)
        return cls(config, store, writer)

    def record(
        self,
        session: Any,
        info: CallInfo,
        *,
        end_reason: Callable[[], str] | None = None,
        on_closed: Callable[[CallRecorder], None] | None = None,
    ) -> CallRecorder:
        """Start recording ``session`` (call before ``session.start()``); the call's row is
        completed when the session closes (``end_reason()`` says why)."""
        recorder = CallRecorder(info, self.writer.submit, redact=self.config.redact,
                                end_reason=end_reason, on_closed=on_closed)
        return recorder.attach(session.bus)

    def status(self) -> WriterStatus:
        return self.writer.status()

    async def flush(self) -> None:
        """Wait until everything recorded so far is written (or spooled)."""
        await self.writer.flush()

    async def aclose(self) -> None:
        """Write what is queued (or spool it) and disconnect."""
        await self.writer.aclose()
        await self.store.aclose()

    async def __aenter__(self) -> CallHistory:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
