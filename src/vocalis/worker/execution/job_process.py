"""``JobProcess``: what one pooled process (or thread) knows about itself.

``initialize_process_fnc(proc)`` receives it once, before the resource reports ready, and
stores what every job of that process shares in ``proc.userdata`` (loaded models). Tasks find
it with ``current_process()``. Reporters add figures to the resource's heartbeats, which the
pool shows in its stats; closers run when the resource stops (after its tasks ended), in its
own event loop, so what it opened (a database writer) is flushed and closed.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("vocalis.worker.execution")

Reporter = Callable[[], dict[str, Any]]
Closer = Callable[[], Awaitable[Any]]

CLOSE_SECONDS = 4.0
"""How long the closers of a stopping resource get in all (the pool kills a process that has
not exited 5 s after it was told to stop)."""

_current: contextvars.ContextVar[JobProcess | None] = contextvars.ContextVar(
    "vocalis_job_process", default=None
)


@dataclass
class JobProcess:
    """One pooled resource seen from inside: its id, pid and shared ``userdata``."""

    resource_id: str
    pid: int = field(default_factory=os.getpid)
    userdata: dict[str, Any] = field(default_factory=dict)
    _reporters: dict[str, Reporter] = field(default_factory=dict, repr=False)
    _closers: list[Closer] = field(default_factory=list, repr=False)

    def add_reporter(self, name: str, reporter: Reporter) -> None:
        """Include ``reporter()`` under ``name`` in every heartbeat of this resource."""
        self._reporters[name] = reporter

    def add_closer(self, closer: Closer) -> None:
        """Await ``closer()`` when this resource stops (last added, first run)."""
        self._closers.append(closer)

    async def aclose(self) -> None:
        """Run the closers (each failure is logged), within ``CLOSE_SECONDS`` in all."""
        closers, self._closers = self._closers[::-1], []

        async def run_all() -> None:
            for closer in closers:
                try:
                    await closer()
                except Exception:
                    logger.exception("closing %s failed", self.resource_id)

        try:
            await asyncio.wait_for(run_all(), CLOSE_SECONDS)
        except TimeoutError:
            logger.warning("%s: closing took more than %.0f s", self.resource_id, CLOSE_SECONDS)

    def report(self) -> dict[str, Any]:
        """Every reporter's figures (a failing reporter reports its error)."""
        figures: dict[str, Any] = {}
        for name, reporter in self._reporters.items():
            try:
                figures[name] = reporter()
            except Exception as exc:
                figures[name] = {"error": str(exc)}
        return figures


def current_process() -> JobProcess | None:
    """The pooled resource running this task, or None outside a pool."""
    return _current.get()


def set_current_process(proc: JobProcess) -> contextvars.Token[JobProcess | None]:
    return _current.set(proc)
