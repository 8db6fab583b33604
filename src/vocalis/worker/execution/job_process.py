"""``JobProcess``: what one pooled process (or thread) knows about itself.

``initialize_process_fnc(proc)`` receives it once, before the resource reports ready, and
stores what every job of that process shares in ``proc.userdata`` (loaded models). Tasks find
it with ``current_process()``. Reporters add figures to the resource's heartbeats, which the
pool shows in its stats.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Reporter = Callable[[], dict[str, Any]]

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

    def add_reporter(self, name: str, reporter: Reporter) -> None:
        """Include ``reporter()`` under ``name`` in every heartbeat of this resource."""
        self._reporters[name] = reporter

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
