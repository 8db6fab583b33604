"""``TaskRuntime``: runs tasks inside one resource's event loop (a child process or a thread).

Tasks run concurrently, each with its time limit; a coroutine function is awaited, a plain
function runs in a thread so it never blocks the other tasks. Each task ends in exactly one
``TaskResult`` handed to ``on_result``. ``cancel`` ends one task, ``aclose`` all of them.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any

from ...utils.tasks import TaskGroup
from .job_process import JobProcess, set_current_process
from .types import TaskResult, TaskStatus

logger = logging.getLogger("vocalis.worker.execution")

ResultSink = Callable[[TaskResult], None]


async def initialize_resource(proc: JobProcess, initializer: Callable[[Any], Any] | None) -> None:
    """Make ``proc`` current and run the resource's initializer (sync or async) once."""
    set_current_process(proc)
    if initializer is None:
        return
    result = initializer(proc)
    if inspect.isawaitable(result):
        await result


class TaskRuntime:
    """The tasks of one resource (see the module docstring)."""

    def __init__(self, on_result: ResultSink, proc: JobProcess | None = None) -> None:
        self._on_result = on_result
        self._proc = proc
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._reasons: dict[str, str] = {}
        self._group = TaskGroup("vocalis.worker.task")
        self.completed = 0

    @property
    def active(self) -> int:
        return len(self._tasks)

    def start(
        self, task_id: str, entrypoint: Callable[..., Any], args: tuple[Any, ...],
        kwargs: dict[str, Any], timeout: float,
    ) -> None:
        """Run ``entrypoint(*args, **kwargs)`` as task ``task_id`` with a ``timeout``."""
        self._tasks[task_id] = self._group.spawn(
            self._run(task_id, entrypoint, args, kwargs, timeout), name=f"vocalis.task.{task_id}"
        )

    def cancel(self, task_id: str, reason: str = "cancelled") -> bool:
        task = self._tasks.get(task_id)
        if task is None:
            return False
        self._reasons[task_id] = reason
        task.cancel(msg=reason)
        return True

    async def _run(
        self, task_id: str, entrypoint: Callable[..., Any], args: tuple[Any, ...],
        kwargs: dict[str, Any], timeout: float,
    ) -> None:
        if self._proc is not None:
            set_current_process(self._proc)
        started = time.monotonic()
        result = TaskResult(task_id=task_id, status=TaskStatus.COMPLETED)
        try:
            async with asyncio.timeout(timeout):
                if inspect.iscoroutinefunction(entrypoint):
                    result.result = await entrypoint(*args, **kwargs)
                else:
                    result.result = await asyncio.to_thread(entrypoint, *args, **kwargs)
        except TimeoutError:
            result.status = TaskStatus.FAILED
            result.error = f"timed out after {timeout:g} s"
        except asyncio.CancelledError:
            result.status = TaskStatus.CANCELLED
            result.error = self._reasons.pop(task_id, "cancelled")
        except Exception as exc:
            logger.exception("task %s failed", task_id)
            result.status = TaskStatus.FAILED
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            self._tasks.pop(task_id, None)
            self._reasons.pop(task_id, None)
            result.execution_time = time.monotonic() - started
            self.completed += 1
            self._on_result(result)

    async def aclose(self, reason: str = "shutdown") -> None:
        """Cancel every running task with ``reason`` (each still reports its result)."""
        for task_id in list(self._tasks):
            self.cancel(task_id, reason)
        await self._group.aclose()
