"""``ResourceManager``: the warm pool. It keeps ``num_idle_resources`` resources ready, grows
up to ``max_resources`` on demand, replaces a resource the moment it dies, health-checks
them, retires idle extras, and runs each task on the least loaded available resource.

Fixes to the reference: a dead resource is replaced at once (not on the next 5 s tick); a
task waits for a resource that is starting instead of failing; a single-task resource whose
task failed is recycled (whatever the failed job left behind goes with its process); tasks go
to the least loaded resource, not always the first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from ...utils.tasks import TaskGroup
from .inference import DedicatedInferenceResource
from .process import ProcessResource
from .resource import BaseResource
from .thread import ThreadResource
from .types import (
    ResourceConfig,
    ResourceInfo,
    ResourceStatus,
    ResourceType,
    TaskConfig,
    TaskResult,
    TaskStatus,
    TaskType,
)

logger = logging.getLogger("vocalis.worker.execution")

LIFECYCLE_SECONDS = 5.0
"""How often idle extras are retired (the reference's tick)."""

RETRY_SECONDS = 1.0
"""Pause before trying again to start a resource after one failed to start."""


class NoResourceAvailable(RuntimeError):
    """Every resource is busy and the pool is at ``max_resources``."""


class ResourceManager:
    """The pool (see the module docstring)."""

    def __init__(self, config: ResourceConfig) -> None:
        self.config = config
        self.resources: list[BaseResource] = []
        self.dedicated_inference_resource: DedicatedInferenceResource | None = None
        self.replaced = 0
        self._starting = 0
        self._changed = asyncio.Condition()
        self._shutdown = False
        self._tasks = TaskGroup("vocalis.worker.pool")
        self._on_replaced: list[Callable[[BaseResource, str], None]] = []
        self._placement: dict[str, str] = {}
        self._waiters = 0
        self._unlisted: set[BaseResource] = set()
        """Resources alive but not in ``resources`` (starting, retiring): ``stop`` ends them."""

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the dedicated inference process (if configured) and the warm pool."""
        if self.config.use_dedicated_inference_process:
            self.dedicated_inference_resource = DedicatedInferenceResource(config={
                "inference_process_timeout": self.config.inference_process_timeout,
                "inference_memory_warn_mb": self.config.inference_memory_warn_mb,
                "ping_interval": self.config.ping_interval,
                "close_timeout": self.config.close_timeout,
                "health_check_interval": self.config.health_check_interval,
                "log_level": self.config.log_level,
            })
            await self.dedicated_inference_resource.initialize()
        await asyncio.gather(*(self._create_resource() for _ in
                               range(self.config.num_idle_resources)))
        self._tasks.spawn(self._health_check_loop(), name="vocalis.worker.pool.health")
        self._tasks.spawn(self._resource_lifecycle_loop(), name="vocalis.worker.pool.lifecycle")

    async def stop(self, timeout: float | None = None) -> None:
        """Shut every resource down (running tasks get ``timeout``, default ``close_timeout``)."""
        self._shutdown = True
        resources = list(self.resources)
        if self.dedicated_inference_resource is not None:
            resources.append(self.dedicated_inference_resource)
        await asyncio.gather(*(r.shutdown(timeout) for r in resources), return_exceptions=True)
        await self._tasks.aclose()
        for resource in resources + list(self._unlisted):
            resource.terminate()
        self._unlisted.clear()

    def on_replaced(self, callback: Callable[[BaseResource, str], None]) -> None:
        """Call ``callback(resource, reason)`` when a resource died and was removed."""
        self._on_replaced.append(callback)

    # ---- resources ---------------------------------------------------------------------------

    def _resource_config(self) -> dict[str, Any]:
        c = self.config
        return {
            "max_concurrent_tasks": c.max_concurrent_tasks,
            "initialize_timeout": c.initialize_timeout,
            "close_timeout": c.close_timeout,
            "health_check_interval": c.health_check_interval,
            "memory_warn_mb": c.memory_warn_mb,
            "memory_limit_mb": c.memory_limit_mb,
            "initialize_process_fnc": c.initialize_process_fnc,
            "log_level": c.log_level,
        }

    async def _create_resource(self, *, counted: bool = False) -> BaseResource:
        """Start one resource and add it to the pool (``counted``: ``_starting`` already
        includes it)."""
        if not counted:
            self._starting += 1
        kind = self.config.resource_type
        resource_id = f"{kind.value}-{uuid.uuid4().hex[:8]}"
        resource: BaseResource
        if kind is ResourceType.PROCESS:
            resource = ProcessResource(resource_id, self._resource_config())
        elif kind is ResourceType.THREAD:
            resource = ThreadResource(resource_id, self._resource_config())
        else:
            self._starting -= 1
            raise ValueError(f"unknown resource type {kind!r}")
        resource.on_exit(self._resource_exited)
        self._unlisted.add(resource)
        try:
            await resource.initialize()
        except BaseException:
            resource.terminate()
            raise
        finally:
            self._starting -= 1
            self._unlisted.discard(resource)
        if self._shutdown:
            await resource.shutdown()
            raise RuntimeError("the pool is shutting down")
        self.resources.append(resource)
        await self._notify()
        return resource

    def _spawn_resource(self) -> None:
        self._starting += 1
        self._tasks.spawn(self._create_quietly(), name="vocalis.worker.pool.create")

    async def _create_quietly(self) -> None:
        try:
            await self._create_resource(counted=True)
        except Exception as exc:
            logger.error("could not start a pooled resource: %s", exc)
            await asyncio.sleep(RETRY_SECONDS)
            await self._notify()

    def _resource_exited(self, resource: BaseResource, reason: str) -> None:
        if resource in self.resources:
            self.resources.remove(resource)
        self.replaced += 1
        for callback in self._on_replaced:
            try:
                callback(resource, reason)
            except Exception:
                logger.exception("replacement callback failed")
        if not self._shutdown:
            self._tasks.spawn(self._shut(resource), name="vocalis.worker.pool.reap")
            self._ensure_idle()

    def _ensure_idle(self) -> None:
        """Start resources until ``num_idle_resources`` are available (within the maximum)."""
        if self._shutdown:
            return
        available = sum(1 for r in self.resources if r.is_available)
        missing = self.config.num_idle_resources - available - self._starting
        room = self.config.max_resources - len(self.resources) - self._starting
        for _ in range(max(0, min(missing, room))):
            self._spawn_resource()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _get_available_resource(self) -> BaseResource | None:
        """The available resource with the lowest load (oldest first among equals)."""
        available = [r for r in self.resources if r.is_available]
        if not available:
            return None
        return min(available, key=lambda r: r.active_tasks / r.max_concurrent_tasks)

    async def _acquire(self) -> BaseResource:
        """An available resource; waits for one that is starting (``initialize_timeout``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.initialize_timeout
        self._waiters += 1
        try:
            while True:
                resource = self._get_available_resource()
                if resource is not None:
                    return resource
                room = self.config.max_resources - len(self.resources) - self._starting
                for _ in range(max(0, min(room, self._waiters - self._starting))):
                    self._spawn_resource()
                if self._starting == 0:
                    raise NoResourceAvailable("No available resources for task execution")
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise NoResourceAvailable("No resource became available in time")
                async with self._changed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), remaining)
        finally:
            self._waiters -= 1

    @property
    def capacity(self) -> int:
        """Tasks the pool can run at once at its maximum size."""
        return self.config.max_resources * self.config.max_concurrent_tasks

    # ---- tasks -------------------------------------------------------------------------------

    async def execute_task(
        self, task_config: TaskConfig, entrypoint: Callable[..., Any], *args: Any,
        task_id: str | None = None, **kwargs: Any,
    ) -> TaskResult:
        """Run one task on the pool; ``NoResourceAvailable`` when nothing can take it."""
        task_id = task_id or str(uuid.uuid4())
        if task_config.task_type is TaskType.INFERENCE and self.dedicated_inference_resource:
            return await self.dedicated_inference_resource.execute_task(
                task_id, task_config, entrypoint, args, kwargs)
        resource = await self._acquire()
        self._ensure_idle_soon()
        self._placement[task_id] = resource.resource_id
        try:
            result = await resource.execute_task(task_id, task_config, entrypoint, args, kwargs)
        finally:
            self._placement.pop(task_id, None)
        if (result.status is not TaskStatus.COMPLETED and resource.max_concurrent_tasks == 1
                and resource.is_alive and not self._shutdown):
            self._retire(resource, f"its task ended {result.status.value}: {result.error}")
        else:
            await self._notify()
        self._ensure_idle_soon()
        return result

    def cancel_task(self, task_id: str, reason: str = "cancelled") -> None:
        """Ask task ``task_id`` to end, wherever it runs."""
        where = self._placement.get(task_id)
        for resource in self.resources:
            if resource.resource_id == where:
                resource.cancel_task(task_id, reason)

    def placement(self, task_id: str) -> str | None:
        """The id of the resource running task ``task_id``."""
        return self._placement.get(task_id)

    def _retire(self, resource: BaseResource, reason: str) -> None:
        logger.info("recycling %s: %s", resource.resource_id, reason)
        if resource in self.resources:
            self.resources.remove(resource)
        self.replaced += 1
        self._tasks.spawn(self._shut(resource), name="vocalis.worker.pool.retire")

    async def _shut(self, resource: BaseResource, timeout: float | None = None) -> None:
        """Shut ``resource`` down in the background (``stop`` finishes it off if needed)."""
        self._unlisted.add(resource)
        try:
            await resource.shutdown(timeout)
        finally:
            resource.terminate()
            self._unlisted.discard(resource)

    def _ensure_idle_soon(self) -> None:
        asyncio.get_running_loop().call_soon(self._ensure_idle)

    # ---- loops -------------------------------------------------------------------------------

    async def _health_check_loop(self) -> None:
        while not self._shutdown:
            await asyncio.sleep(self.config.health_check_interval)
            for resource in list(self.resources):
                if not await resource.health_check():
                    resource.fail("failed its health check")
            self._ensure_idle()
            inference = self.dedicated_inference_resource
            if inference is not None and not await inference.health_check():
                await inference.shutdown()
                self.dedicated_inference_resource = DedicatedInferenceResource(
                    config=dict(inference.config))
                with contextlib.suppress(Exception):
                    await self.dedicated_inference_resource.initialize()

    async def _resource_lifecycle_loop(self) -> None:
        while not self._shutdown:
            await asyncio.sleep(LIFECYCLE_SECONDS)
            idle = [r for r in self.resources
                    if r.status is ResourceStatus.IDLE and r.is_available]
            excess = len(idle) - self.config.num_idle_resources
            for resource in idle[:max(0, excess)]:
                self._retire(resource, "idle beyond num_idle_resources")
            self._ensure_idle()

    # ---- reporting ---------------------------------------------------------------------------

    def get_resource_info(self) -> list[ResourceInfo]:
        infos = [r.get_info() for r in self.resources]
        if self.dedicated_inference_resource is not None:
            infos.append(self.dedicated_inference_resource.get_info())
        return infos

    def get_stats(self) -> dict[str, Any]:
        total = len(self.resources)
        active = sum(1 for r in self.resources if r.status is not ResourceStatus.IDLE)
        inference = self.dedicated_inference_resource
        return {
            "total_resources": total,
            "available_resources": sum(1 for r in self.resources if r.is_available),
            "active_resources": active,
            "starting_resources": self._starting,
            "average_load": (active / total) if total else 0.0,
            "replaced_resources": self.replaced,
            "resources": [r.get_info().to_dict() for r in self.resources],
            "dedicated_inference": inference.get_info().to_dict() if inference else None,
        }
