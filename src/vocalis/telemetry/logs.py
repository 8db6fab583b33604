"""Log export over OTLP with the reference's ``LoggingOptions`` level rule.

A ``LevelRule`` passes a record when its level is at or above a threshold (``level="INFO"``)
or is one of an allowlist (``level=["ERROR", "DEBUG"]``). Records logged while a call runs
carry ``vocalis.call_id`` (and, with traces on, the call's trace and span ids), so a log line
leads to its call. The exporter's own loggers are never exported (that would loop).
"""

from __future__ import annotations

import contextvars
import logging

CURRENT_CALL: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "vocalis_call_id", default=None
)
"""The id of the call whose task is running (set when the call's session starts)."""

NEVER_EXPORTED = ("opentelemetry", "urllib3", "requests")


class LevelRule(logging.Filter):
    """The ``LoggingOptions.level`` rule, plus the call id on every record that passes."""

    def __init__(self, level: str | tuple[str, ...]) -> None:
        super().__init__()
        if isinstance(level, str):
            self.threshold: int | None = logging.getLevelName(level)
            self.allowed: frozenset[int] = frozenset()
        else:
            self.threshold = None
            self.allowed = frozenset(logging.getLevelName(name) for name in level)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] in NEVER_EXPORTED:
            return False
        if self.threshold is not None:
            passed = record.levelno >= self.threshold
        else:
            passed = record.levelno in self.allowed
        if passed:
            call_id = CURRENT_CALL.get()
            if call_id is not None:
                setattr(record, "vocalis.call_id", call_id)
        return passed

    def lowest_level(self) -> int:
        """The lowest level this rule can pass (for the logger's own level)."""
        if self.threshold is not None:
            return self.threshold
        return min(self.allowed, default=logging.CRITICAL)
