"""Owned background tasks: every task a component starts is tracked and cancelled with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

logger = logging.getLogger("vocalis.tasks")
R = TypeVar("R")


class TaskGroup:
    """A set of background tasks with one owner; ``aclose`` cancels and awaits them all.

    Unlike ``asyncio.TaskGroup`` a failing task does not cancel its siblings, because one broken
    hook must not end a conversation: its exception is logged and given to ``on_error`` (the
    session turns it into an ``error`` event).
    """

    def __init__(
        self, name: str = "vocalis", *, on_error: Callable[[str, BaseException], None] | None = None
    ) -> None:
        self._name = name
        self._on_error = on_error
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, R], *, name: str | None = None) -> asyncio.Task[R]:
        """Start ``coro`` as a task owned by this group."""
        task = asyncio.get_running_loop().create_task(coro, name=name or self._name)
        self._tasks.add(task)
        task.add_done_callback(self._on_done)
        return task

    def _on_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        logger.error("background task %s failed", task.get_name(), exc_info=error)
        if self._on_error is not None and error is not None:
            try:
                self._on_error(task.get_name(), error)
            except Exception:
                logger.exception("reporting the failure of %s failed", task.get_name())

    def __len__(self) -> int:
        return len(self._tasks)

    async def aclose(self) -> None:
        """Cancel every task and wait for them to finish."""
        tasks = [t for t in self._tasks if not t.done()]
        current = asyncio.current_task()
        for t in tasks:
            if t is not current:
                t.cancel()
        for t in tasks:
            if t is not current:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
        self._tasks.clear()
