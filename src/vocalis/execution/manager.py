"""``ResourceManager``: the pool of resources, kept healthy and at its idle target."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from .resources import BaseResource, DedicatedInferenceResource, ProcessResource, ThreadResource
from .types import (
    ResourceConfig,
    ResourceInfo,
    ResourceStatus,
    ResourceType,
    TaskConfig,
    TaskResult,
    TaskType,
)

logger = logging.getLogger("vocalis.execution")


class ResourceManager:
    """Creates ``num_idle_resources`` resources, replaces unhealthy ones every
    ``health_check_interval`` and tops the idle pool up; a task goes to an available resource
    (a new one when all are busy and ``max_resources`` allows, else it waits for one)."""

    def __init__(self, config: ResourceConfig) -> None:
        self.config = config
        self.resources: list[BaseResource] = []
        self.dedicated_inference_resource: DedicatedInferenceResource | None = None
        self._maintenance: asyncio.Task[None] | None = None
        self._freed = asyncio.Condition()
        self._shutdown = False

    async def start(self) -> None:
        if self.config.use_dedicated_inference_process:
            self.dedicated_inference_resource = DedicatedInferenceResource(
                "dedicated-inference", self._resource_config()
            )
            await self.dedicated_inference_resource.initialize()
        for _ in range(self.config.num_idle_resources):
            await self._create_resource()
        self._maintenance = asyncio.ensure_future(self._maintain())

    def _resource_config(self) -> dict[str, Any]:
        c = self.config
        return {"initialize_timeout": c.initialize_timeout, "close_timeout": c.close_timeout,
                "inference_process_timeout": c.inference_process_timeout,
                "health_check_interval": c.health_check_interval}

    async def _create_resource(self) -> BaseResource:
        kind = self.config.resource_type
        resource_id = f"{kind.value}-{uuid.uuid4().hex[:8]}"
        cls = ThreadResource if kind is ResourceType.THREAD else ProcessResource
        resource = cls(resource_id, self._resource_config())
        await resource.initialize()
        self.resources.append(resource)
        return resource

    async def execute_task(
        self, task_config: TaskConfig, entrypoint: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> TaskResult:
        task_id = str(uuid.uuid4())
        if task_config.task_type is TaskType.INFERENCE and self.dedicated_inference_resource:
            return await self.dedicated_inference_resource.execute_task(
                task_id, task_config, entrypoint, args, kwargs)
        resource = await self._available_resource(task_config.timeout)
        try:
            return await resource.execute_task(task_id, task_config, entrypoint, args, kwargs)
        finally:
            async with self._freed:
                self._freed.notify()

    async def _available_resource(self, timeout: float) -> BaseResource:
        async with asyncio.timeout(timeout):
            while True:
                for resource in self.resources:
                    if resource.is_available:
                        resource.status = ResourceStatus.BUSY
                        return resource
                if len(self.resources) < self.config.max_resources:
                    resource = await self._create_resource()
                    resource.status = ResourceStatus.BUSY
                    return resource
                async with self._freed:
                    await self._freed.wait()

    async def _maintain(self) -> None:
        while not self._shutdown:
            await asyncio.sleep(self.config.health_check_interval)
            for resource in list(self.resources):
                if not await resource.health_check():
                    logger.warning("resource %s is unhealthy; replacing it", resource.resource_id)
                    self.resources.remove(resource)
                    await resource.shutdown()
            idle = sum(1 for r in self.resources if r.is_available)
            if idle < self.config.num_idle_resources and len(self.resources) < self.config.max_resources:
                try:
                    await self._create_resource()
                except Exception:
                    logger.exception("could not create a resource")

    def get_resource_info(self) -> list[ResourceInfo]:
        infos = [r.get_info() for r in self.resources]
        if self.dedicated_inference_resource is not None:
            infos.append(self.dedicated_inference_resource.get_info())
        return infos

    def get_stats(self) -> dict[str, Any]:
        total = len(self.resources)
        active = sum(1 for r in self.resources if r.status is not ResourceStatus.IDLE)
        dedicated = self.dedicated_inference_resource
        return {
            "total_resources": total,
            "available_resources": sum(1 for r in self.resources if r.is_available),
            "active_resources": active,
            "average_load": active / total if total else 0.0,
            "resources": [_info_dict(i) for i in self.get_resource_info()],
            "dedicated_inference": _info_dict(dedicated.get_info()) if dedicated else None,
        }

    async def stop(self) -> None:
        self._shutdown = True
        if self._maintenance is not None:
            self._maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintenance
        resources: list[BaseResource] = list(self.resources)
        if self.dedicated_inference_resource is not None:
            resources.append(self.dedicated_inference_resource)
        await asyncio.gather(*(r.shutdown() for r in resources), return_exceptions=True)
        self.resources.clear()


def _info_dict(info: ResourceInfo) -> dict[str, Any]:
    data = dict(vars(info))
    data["resource_type"] = info.resource_type.value
    data["status"] = info.status.value
    return data
