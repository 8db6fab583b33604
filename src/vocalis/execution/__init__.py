"""Running work off the event loop: pooled threads or processes (the reference's execution layer).

``TaskExecutor(ResourceConfig(...))`` keeps warm resources (``ThreadResource`` or
``ProcessResource``) and runs functions on them with a timeout and retries; INFERENCE tasks go
to one shared ``DedicatedInferenceResource`` process when the config asks for it. Agent jobs
themselves run in the server's event loop (one task per connection); this layer is for heavy,
blocking work a job wants kept away from that loop.
"""

from .executor import TaskExecutor
from .manager import ResourceManager
from .resources import BaseResource, DedicatedInferenceResource, ProcessResource, ThreadResource
from .types import (
    ExecutorType,
    HealthMetrics,
    ResourceConfig,
    ResourceInfo,
    ResourceStatus,
    ResourceType,
    TaskConfig,
    TaskResult,
    TaskStatus,
    TaskType,
)

__all__ = [
    "BaseResource",
    "DedicatedInferenceResource",
    "ExecutorType",
    "HealthMetrics",
    "ProcessResource",
    "ResourceConfig",
    "ResourceInfo",
    "ResourceManager",
    "ResourceStatus",
    "ResourceType",
    "TaskConfig",
    "TaskExecutor",
    "TaskResult",
    "TaskStatus",
    "TaskType",
    "ThreadResource",
]
