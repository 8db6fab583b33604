"""The job running in this task, as lower layers see it: the job layer sets it for the duration
of an entrypoint, and a session or a DTMF handler looks it up without importing the job layer."""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import Any, Protocol


class CurrentJob(Protocol):
    """What a session needs from the job it runs in (``vocalis.job.JobContext``)."""

    room: Any

    def add_shutdown_callback(self, callback: Callable[[], Awaitable[Any] | Any]) -> None: ...

    async def session_starting(self, session: Any) -> None: ...

    async def run_until_shutdown(self, *, session: Any, wait_for_participant: bool) -> None: ...


_current: contextvars.ContextVar[Any] = contextvars.ContextVar("vocalis_job", default=None)


def current_job() -> Any:
    """The ``JobContext`` of the entrypoint running in this task, if any."""
    return _current.get()


def set_current_job(job: Any) -> contextvars.Token[Any]:
    return _current.set(job)


def reset_current_job(token: contextvars.Token[Any]) -> None:
    _current.reset(token)
