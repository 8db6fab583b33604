"""Admission control: a fixed number of concurrent sessions per kind of work, so a full
gateway refuses new work at once instead of slowing every session down."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class GatewayFull(Exception):
    """No capacity left for this kind of session."""


class Admission:
    """Counts live sessions per kind against their limits."""

    def __init__(self, limits: dict[str, int]) -> None:
        self.limits = dict(limits)
        self.active = dict.fromkeys(limits, 0)
        self.refused = dict.fromkeys(limits, 0)

    def has_room(self, kind: str) -> bool:
        return self.active[kind] < self.limits[kind]

    @contextmanager
    def slot(self, kind: str) -> Iterator[None]:
        """Hold one ``kind`` slot for the block; ``GatewayFull`` when none is free."""
        if not self.has_room(kind):
            self.refused[kind] += 1
            raise GatewayFull(
                f"gateway at capacity: {self.limits[kind]} {kind} sessions in use, try later")
        self.active[kind] += 1
        try:
            yield
        finally:
            self.active[kind] -= 1

    def stats(self) -> dict[str, dict[str, int]]:
        return {k: {"active": self.active[k], "limit": self.limits[k],
                    "refused": self.refused[k]} for k in self.limits}
