"""``TaskExecutor``: runs functions on the pool with a timeout and retries, and counts them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from .manager import ResourceManager
from .types import ResourceConfig, TaskConfig, TaskResult, TaskStatus, TaskType

RETRY_BACKOFF = 1.0
"""Seconds before the first retry; doubled at each retry after it."""


class TaskExecutor:
    """The pool's front door (``start``, ``execute``, ``get_stats``, ``stop``)."""

    def __init__(self, config: ResourceConfig) -> None:
        self.config = config
        self.resource_manager = ResourceManager(config)
        self._stats = {"total_tasks": 0, "completed_tasks": 0, "failed_tasks": 0,
                       "total_execution_time": 0.0}

    async def start(self) -> None:
        await self.resource_manager.start()

    async def stop(self) -> None:
        await self.resource_manager.stop()

    async def execute(
        self,
        entrypoint: Callable[..., Any],
        task_type: TaskType = TaskType.JOB,
        timeout: float = 300.0,
        retry_count: int = 3,
        priority: int = 0,
        *args: Any,
        **kwargs: Any,
    ) -> TaskResult:
        """Run ``entrypoint(*args, **kwargs)``, trying up to ``retry_count + 1`` times with an
        exponential backoff (the reference's was linear); the task's id is kept on failure."""
        config = TaskConfig(task_type=task_type, timeout=timeout, retry_count=retry_count,
                            priority=priority)
        self._stats["total_tasks"] += 1
        result = TaskResult(task_id="", status=TaskStatus.FAILED, error="not run")
        for attempt in range(retry_count + 1):
            try:
                result = await self.resource_manager.execute_task(config, entrypoint, *args, **kwargs)
            except TimeoutError:
                result = TaskResult("", TaskStatus.FAILED, error="no resource became available")
            if result.status is TaskStatus.COMPLETED:
                self._stats["completed_tasks"] += 1
                self._stats["total_execution_time"] += result.execution_time
                return result
            if attempt < retry_count:
                await asyncio.sleep(RETRY_BACKOFF * 2**attempt)
        self._stats["failed_tasks"] += 1
        result.error = f"All {retry_count + 1} attempts failed. Last error: {result.error}"
        return result

    def get_stats(self) -> dict[str, Any]:
        completed = self._stats["completed_tasks"]
        executor = dict(self._stats, pending_tasks=0,
                        average_execution_time=self._stats["total_execution_time"] / completed
                        if completed else 0.0)
        return {"executor_stats": executor, "resource_stats": self.resource_manager.get_stats()}

    def get_resource_info(self) -> list[Any]:
        return self.resource_manager.get_resource_info()
