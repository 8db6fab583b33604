"""Workers and scale: calls in a pool of prewarmed processes, on one machine or many.

- ``Worker`` / ``WorkerOptions`` / ``WorkerType``: a machine's pool and the calls on it
  (``Worker.run_worker(WorkerOptions(entrypoint_fnc=...))``, or ``vocalis start agent.py``).
- ``Deployment``: one process of a deployment (front, worker or both), its health server and
  its signals.
- ``execution``: the pool itself (``TaskExecutor``, ``ResourceManager``, ``ProcessResource``,
  ``ThreadResource``, ``DedicatedInferenceResource``, ...), self-contained.
- ``link``: the media hop between a front's transport and a worker's job.
- ``front``: the transports' side (``FrontServer``, ``CallBridge``).
- ``dispatch``: fronts hand calls to workers, locally or through Redis.
"""

from .agent_target import AgentTarget
from .deployment import Deployment, Role
from .dispatch.messages import JobRequest, JobUpdate, NoWorkerAvailable, WorkerStatus
from .execution import (
    BaseResource,
    DedicatedInferenceResource,
    ExecutorType,
    HealthMetrics,
    JobProcess,
    ProcessResource,
    ResourceConfig,
    ResourceInfo,
    ResourceManager,
    ResourceStatus,
    ResourceType,
    TaskConfig,
    TaskExecutor,
    TaskResult,
    TaskStatus,
    TaskType,
    ThreadResource,
    current_process,
)
from .options import WorkerOptions, WorkerType
from .worker import Worker

__all__ = [
    "AgentTarget",
    "BaseResource",
    "DedicatedInferenceResource",
    "Deployment",
    "ExecutorType",
    "HealthMetrics",
    "JobProcess",
    "JobRequest",
    "JobUpdate",
    "NoWorkerAvailable",
    "ProcessResource",
    "ResourceConfig",
    "ResourceInfo",
    "ResourceManager",
    "ResourceStatus",
    "ResourceType",
    "Role",
    "TaskConfig",
    "TaskExecutor",
    "TaskResult",
    "TaskStatus",
    "TaskType",
    "ThreadResource",
    "Worker",
    "WorkerOptions",
    "WorkerStatus",
    "WorkerType",
    "current_process",
]
