"""``Write``: one row for the call history, as the recorder produces it and the spool keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .schema import TABLES


@dataclass(frozen=True, slots=True)
class Write:
    """Insert ``row`` into ``table`` (skipped if its key is there), or, with ``upsert``, insert
    or replace the call row ``row`` (``table`` is then ``"calls"``)."""

    table: str
    row: dict[str, Any]
    upsert: bool = False

    def __post_init__(self) -> None:
        if self.table not in TABLES:
            raise ValueError(f"unknown call history table {self.table!r}")
        if self.upsert and (self.table != "calls" or "id" not in self.row):
            raise ValueError("only a call row (with its id) can be upserted")

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "row": self.row, "upsert": self.upsert}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Write:
        return cls(str(data["table"]), dict(data["row"]), bool(data.get("upsert", False)))
