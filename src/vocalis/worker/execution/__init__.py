"""The execution layer: a warm pool of processes or threads that run tasks in isolation.

``TaskExecutor`` (retries, statistics) over ``ResourceManager`` (the pool) over resources:
``ProcessResource`` (a child process), ``ThreadResource`` (a thread with its own loop),
``DedicatedInferenceResource`` (one shared inference process). Self-contained: nothing here
knows about calls; the ``Worker`` runs each call as a task.
"""

from .executor import TaskExecutor
from .inference import DedicatedInferenceResource
from .job_process import JobProcess, current_process
from .manager import NoResourceAvailable, ResourceManager
from .process import ProcessResource
from .resource import BaseResource
from .thread import ThreadResource
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
    default_executor_type,
)

__all__ = [
    "BaseResource",
    "DedicatedInferenceResource",
    "ExecutorType",
    "HealthMetrics",
    "JobProcess",
    "NoResourceAvailable",
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
    "current_process",
    "default_executor_type",
]
