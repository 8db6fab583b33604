"""``BaseResource``: one pooled process or thread that runs tasks.

The template the reference implies: ``initialize`` / ``execute_task`` / ``shutdown`` wrap the
subclass's ``_initialize_impl`` / ``_execute_task_impl`` / ``_shutdown_impl`` and keep the
status, counts and timings. A resource that dies or stops answering tells its owner through
``on_exit`` so that the pool replaces it; every task it was running ends with a FAILED result
that says why, never with a silent success (the reference counted a dead child as success).
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from .types import (
    HealthMetrics,
    ResourceInfo,
    ResourceStatus,
    ResourceType,
    TaskConfig,
    TaskResult,
    TaskStatus,
)

logger = logging.getLogger("vocalis.worker.execution")

ExitCallback = Callable[["BaseResource", str], None]

KILL_GRACE = 5.0
"""Seconds a task may run past its timeout (to finish its shutdown) before its resource is
killed."""


class BaseResource(ABC):
    """A pooled resource (see the module docstring). ``config`` keys: ``max_concurrent_tasks``,
    ``initialize_timeout``, ``close_timeout``, ``health_check_interval``, ``memory_warn_mb``,
    ``memory_limit_mb``, ``initialize_process_fnc``, ``log_level``."""

    def __init__(self, resource_id: str, config: dict[str, Any]) -> None:
        self.resource_id = resource_id
        self.config = dict(config)
        self.max_concurrent_tasks = int(self.config.get("max_concurrent_tasks", 1))
        self._status = ResourceStatus.INITIALIZING
        self._active = 0
        self.total_tasks_processed = 0
        self.success_count = 0
        self.error_count = 0
        self.last_heartbeat = 0.0
        self.started_at = time.time()
        self.exit_reason = ""
        self.report: dict[str, Any] = {}
        self._on_exit: ExitCallback | None = None
        self._draining = False

    # ---- identity and state ------------------------------------------------------------------

    @property
    @abstractmethod
    def resource_type(self) -> ResourceType: ...

    @property
    def status(self) -> ResourceStatus:
        return self._status

    @property
    def active_tasks(self) -> int:
        return self._active

    @property
    def is_available(self) -> bool:
        """Ready, not draining, and below ``max_concurrent_tasks``."""
        return (
            self._status in (ResourceStatus.IDLE, ResourceStatus.BUSY)
            and not self._draining
            and self._active < self.max_concurrent_tasks
        )

    @property
    def is_alive(self) -> bool:
        return self._status not in (ResourceStatus.ERROR, ResourceStatus.SHUTTING_DOWN)

    @property
    def pid(self) -> int | None:
        return None

    def on_exit(self, callback: ExitCallback) -> None:
        """Call ``callback(resource, reason)`` once if the resource dies or is killed."""
        self._on_exit = callback

    def stop_accepting(self) -> None:
        """Run the current tasks to the end but take no new ones (scale-down, drain)."""
        self._draining = True

    # ---- lifecycle ---------------------------------------------------------------------------

    async def initialize(self) -> None:
        """Start the resource and wait until it is ready (``initialize_timeout``)."""
        self._status = ResourceStatus.INITIALIZING
        try:
            await self._initialize_impl()
        except BaseException:
            self._status = ResourceStatus.ERROR
            raise
        self.last_heartbeat = time.time()
        self._status = ResourceStatus.IDLE

    async def execute_task(
        self, task_id: str, task_config: TaskConfig, entrypoint: Callable[..., Any],
        args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None,
    ) -> TaskResult:
        """Run one task here; always returns its ``TaskResult``."""
        if not self.is_available:
            return TaskResult(task_id, TaskStatus.FAILED,
                              error=f"resource {self.resource_id} is not available")
        self._active += 1
        self._status = ResourceStatus.BUSY
        started = time.monotonic()
        try:
            result = await self._execute_task_impl(task_id, task_config, entrypoint, args,
                                                   dict(kwargs or {}))
        finally:
            self._active -= 1
            if self._status is ResourceStatus.BUSY and self._active == 0:
                self._status = ResourceStatus.IDLE
        if not result.execution_time:
            result.execution_time = time.monotonic() - started
        self.total_tasks_processed += 1
        if result.status is TaskStatus.COMPLETED:
            self.success_count += 1
        else:
            self.error_count += 1
        return result

    def cancel_task(self, task_id: str, reason: str = "cancelled") -> None:
        """Ask the running task ``task_id`` to end (its result says ``reason``)."""
        self._cancel_impl(task_id, reason)

    async def shutdown(self, timeout: float | None = None) -> None:
        """Stop: running tasks get ``timeout`` (default ``close_timeout``) to finish, then the
        resource is stopped."""
        if self._status is ResourceStatus.SHUTTING_DOWN:
            return
        self._draining = True
        was_dead = self._status is ResourceStatus.ERROR
        self._status = ResourceStatus.SHUTTING_DOWN
        if not was_dead:
            wait = float(self.config.get("close_timeout", 60.0)) if timeout is None else timeout
            await self._shutdown_impl(wait)

    async def health_check(self) -> bool:
        """Alive and answering (heartbeats within ``health_check_interval``)."""
        if self._status in (ResourceStatus.ERROR, ResourceStatus.SHUTTING_DOWN):
            return False
        if self._status is ResourceStatus.INITIALIZING:
            return True
        limit = float(self.config.get("health_check_interval", 5.0))
        return time.time() - self.last_heartbeat <= limit

    @abstractmethod
    def terminate(self) -> None:
        """Stop at once, whatever state the resource is in (the last step of a pool's stop)."""

    def fail(self, reason: str) -> None:
        """Give up on this resource now (killed if it can be); its tasks fail with ``reason``."""
        self._died(reason)

    def _died(self, reason: str) -> None:
        """Mark the resource dead (once) and tell the owner."""
        if self._status is ResourceStatus.ERROR:
            return
        shutting_down = self._status is ResourceStatus.SHUTTING_DOWN
        self._status = ResourceStatus.ERROR
        self.exit_reason = reason
        if shutting_down:
            return
        logger.warning("%s ended: %s", self.resource_id, reason)
        if self._on_exit is not None:
            try:
                self._on_exit(self, reason)
            except Exception:
                logger.exception("exit callback of %s failed", self.resource_id)

    # ---- reporting ---------------------------------------------------------------------------

    def memory_mb(self) -> float:
        return 0.0

    def cpu_percent(self) -> float:
        return 0.0

    def get_info(self) -> ResourceInfo:
        return ResourceInfo(
            resource_id=self.resource_id,
            resource_type=self.resource_type,
            status=self._status,
            current_load=self._active / self.max_concurrent_tasks,
            memory_usage_mb=self.memory_mb(),
            cpu_usage_percent=self.cpu_percent(),
            active_tasks=self._active,
            total_tasks_processed=self.total_tasks_processed,
            last_heartbeat=self.last_heartbeat,
            metadata={"pid": self.pid, "report": dict(self.report),
                      "exit_reason": self.exit_reason, "draining": self._draining},
        )

    def health_metrics(self) -> HealthMetrics:
        return HealthMetrics(
            resource_id=self.resource_id,
            timestamp=time.time(),
            memory_usage_mb=self.memory_mb(),
            cpu_usage_percent=self.cpu_percent(),
            active_tasks=self._active,
            response_time_ms=max(0.0, (time.time() - self.last_heartbeat) * 1000.0),
            error_count=self.error_count,
            success_count=self.success_count,
        )

    # ---- for subclasses ----------------------------------------------------------------------

    @abstractmethod
    async def _initialize_impl(self) -> None: ...

    @abstractmethod
    async def _execute_task_impl(
        self, task_id: str, config: TaskConfig, entrypoint: Callable[..., Any],
        args: tuple[Any, ...], kwargs: dict[str, Any],
    ) -> TaskResult: ...

    @abstractmethod
    def _cancel_impl(self, task_id: str, reason: str) -> None: ...

    @abstractmethod
    async def _shutdown_impl(self, timeout: float) -> None: ...
