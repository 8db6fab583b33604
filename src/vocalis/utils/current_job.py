"""The job running in this task, as lower layers see it: the job layer sets it for the duration
of an entrypoint, and a session or a DTMF handler looks it up without importing the job layer.

The variable holds a weak reference: every timer asyncio schedules keeps a copy of the context
it was made in until it is due (cancelled ones too), and such a copy must not keep a finished
call's job, and through it the call's connection and session, alive for a minute.
"""

from __future__ import annotations

import contextvars
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, Protocol


class CurrentJob(Protocol):
    """What a session needs from the job it runs in (``vocalis.job.JobContext``)."""

    room: Any

    def add_shutdown_callback(self, callback: Callable[[], Awaitable[Any] | Any]) -> None: ...

    async def session_starting(self, session: Any) -> None: ...

    async def run_until_shutdown(self, *, session: Any, wait_for_participant: bool) -> None: ...


_current: contextvars.ContextVar[weakref.ref[Any] | None] = contextvars.ContextVar(
    "vocalis_job", default=None
)


def current_job() -> Any:
    """The ``JobContext`` of the entrypoint running in this task, if any."""
    ref = _current.get()
    return ref() if ref is not None else None


def set_current_job(job: Any) -> contextvars.Token[weakref.ref[Any] | None]:
    return _current.set(weakref.ref(job) if job is not None else None)


def reset_current_job(token: contextvars.Token[weakref.ref[Any] | None]) -> None:
    _current.reset(token)
