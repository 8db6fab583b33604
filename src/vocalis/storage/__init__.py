"""Call history: every call stored — metadata, transcript with timestamps, tool calls and
results, turn metrics, errors, the recording's location — in SQLite (default, WAL mode) or
PostgreSQL (``VOCALIS_DATABASE_URL``).

``CallHistory`` records sessions through a batching writer that never blocks a call and
spools to disk while the database is down; ``CallStore`` reads (``vocalis calls``, the
dashboard). The schema is migrated with Alembic; text passes a redactor before it is written.
"""

from .config import DATABASE_URL_ENV, Redactor, StorageConfig, data_dir, history_enabled
from .history import CallHistory
from .recorder import CallRecorder
from .redaction import redact_pii, redact_value
from .store import CallStore
from .writer import HistoryWriter, WriterStatus
from .writes import Write

__all__ = [
    "DATABASE_URL_ENV",
    "CallHistory",
    "CallRecorder",
    "CallStore",
    "HistoryWriter",
    "Redactor",
    "StorageConfig",
    "Write",
    "WriterStatus",
    "data_dir",
    "history_enabled",
    "redact_pii",
    "redact_value",
]
