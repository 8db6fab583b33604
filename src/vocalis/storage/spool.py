"""The spool: writes the database could not take, kept on disk (JSON lines) until it can, and
the rows it refused outright (``rejected.ndjson``).

Each writer appends to a file of its own; replaying claims a file by renaming it, so several
processes sharing a spool directory never replay the same file twice. A line cut short by a
crash is skipped (and counted); everything else is replayed in the order it was written.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from .writes import Write

logger = logging.getLogger("vocalis.storage")

SUFFIX = ".jsonl"
CLAIMED = ".replaying"
REJECTED = "rejected.ndjson"
"""Rows the database refused (with the error): kept for a person to look at, never replayed."""


class Spool:
    """Append-only files of ``Write``s in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._file: Path | None = None
        self.appended = 0
        self.corrupt_lines = 0

    def append(self, writes: list[Write]) -> None:
        """Add ``writes`` to this writer's file, flushed to the disk before returning."""
        if not writes:
            return
        if self._file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}{SUFFIX}"
            self._file = self.directory / name
        lines = "".join(json.dumps(w.to_json(), separators=(",", ":")) + "\n" for w in writes)
        with self._file.open("a", encoding="utf-8") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())
        self.appended += len(writes)

    @property
    def rejected_path(self) -> Path:
        return self.directory / REJECTED

    def reject(self, write: Write, error: str) -> None:
        """Keep a row the database refused, with why."""
        self.directory.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"error": error, **write.to_json()}, default=str)
        with self.rejected_path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def pending_files(self) -> list[Path]:
        """Unclaimed spool files, oldest first (this writer's own included)."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"*{SUFFIX}"))

    def has_pending(self) -> bool:
        return bool(self.pending_files())

    def pending_writes(self) -> int:
        """How many writes wait in unclaimed files (lines counted)."""
        total = 0
        for path in self.pending_files():
            try:
                with path.open("rb") as handle:
                    total += sum(1 for _ in handle)
            except OSError:
                continue
        return total

    def claim(self, path: Path) -> Path | None:
        """Take ``path`` for replay; None when another process took it first."""
        if path == self._file:
            self._file = None  # new writes start a new file
        claimed = path.with_suffix(CLAIMED)
        try:
            path.rename(claimed)
        except FileNotFoundError:
            return None
        return claimed

    def release(self, claimed: Path) -> None:
        """Give a claimed file back (its replay failed): it is replayed again later."""
        claimed.rename(claimed.with_suffix(SUFFIX))

    def read(self, claimed: Path) -> Iterator[Write]:
        with claimed.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield Write.from_json(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    self.corrupt_lines += 1
                    logger.warning("skipping unreadable line %d of spool file %s", number, claimed)

    def reclaim_abandoned(self, older_than: float = 300.0) -> None:
        """Release files a crashed process claimed and never finished replaying."""
        if not self.directory.is_dir():
            return
        for path in self.directory.glob(f"*{CLAIMED}"):
            try:
                if time.time() - path.stat().st_mtime > older_than:
                    self.release(path)
            except OSError:
                continue
