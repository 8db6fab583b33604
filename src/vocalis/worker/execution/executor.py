"""``TaskExecutor``: the pool behind a small facade with retries and statistics.

Fixes to the reference: every retry waits (exponential backoff, capped), not only the ones
after an exception; a failure keeps its real task id; the statistics count tasks, not attempts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .manager import ResourceManager
from .types import ResourceConfig, ResourceInfo, TaskConfig, TaskResult, TaskStatus, TaskType

BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 10.0


class TaskExecutor:
    """Runs tasks on a ``ResourceManager`` it owns."""

    def __init__(self, config: ResourceConfig) -> None:
        self.config = config
        self.resource_manager = ResourceManager(config)
        self.total_tasks = 0
        self.completed_tasks = 0
        self.failed_tasks = 0
        self.pending_tasks = 0
        self.total_execution_time = 0.0

    async def start(self) -> None:
        await self.resource_manager.start()

    async def stop(self, timeout: float | None = None) -> None:
        await self.resource_manager.stop(timeout)

    async def execute(
        self,
        entrypoint: Callable[..., Any],
        task_type: TaskType = TaskType.JOB,
        timeout: float = 300.0,
        retry_count: int = 3,
        priority: int = 0,
        *args: Any,
        task_id: str | None = None,
        **kwargs: Any,
    ) -> TaskResult:
        """Run ``entrypoint(*args, **kwargs)`` on the pool, retrying failures ``retry_count``
        times (1 s, 2 s, 4 s ... apart, at most 10 s)."""
        config = TaskConfig(task_type=task_type, timeout=timeout, retry_count=retry_count,
                            priority=priority)
        self.pending_tasks += 1
        result: TaskResult | None = None
        last_error = ""
        try:
            for attempt in range(retry_count + 1):
                if attempt:
                    await asyncio.sleep(min(BACKOFF_SECONDS * 2 ** (attempt - 1),
                                            MAX_BACKOFF_SECONDS))
                try:
                    result = await self.resource_manager.execute_task(
                        config, entrypoint, *args, task_id=task_id, **kwargs)
                except RuntimeError as exc:
                    last_error = str(exc)
                    continue
                if result.status in (TaskStatus.COMPLETED, TaskStatus.CANCELLED):
                    break
                last_error = result.error or "unknown error"
        finally:
            self.pending_tasks -= 1
        if result is None or result.status is TaskStatus.FAILED:
            attempts = retry_count + 1
            error = last_error if attempts == 1 else (
                f"All {attempts} attempts failed. Last error: {last_error}")
            result = TaskResult(task_id=(result.task_id if result else task_id) or "",
                                status=TaskStatus.FAILED, error=error,
                                execution_time=result.execution_time if result else 0.0)
        self._update_stats(result)
        return result

    def cancel(self, task_id: str, reason: str = "cancelled") -> None:
        self.resource_manager.cancel_task(task_id, reason)

    def _update_stats(self, result: TaskResult) -> None:
        self.total_tasks += 1
        if result.status is TaskStatus.COMPLETED:
            self.completed_tasks += 1
            self.total_execution_time += result.execution_time
        elif result.status is TaskStatus.FAILED:
            self.failed_tasks += 1

    def get_stats(self) -> dict[str, Any]:
        average = self.total_execution_time / self.completed_tasks if self.completed_tasks else 0.0
        return {
            "executor_stats": {
                "total_tasks": self.total_tasks,
                "completed_tasks": self.completed_tasks,
                "failed_tasks": self.failed_tasks,
                "pending_tasks": self.pending_tasks,
                "average_execution_time": average,
                "total_execution_time": self.total_execution_time,
            },
            "resource_stats": self.resource_manager.get_stats(),
        }

    def get_resource_info(self) -> list[ResourceInfo]:
        return self.resource_manager.get_resource_info()
