"""The execution layer's vocabulary: enums, configs and results (the reference's names and
defaults, with its unused fields documented and the additions Vocalis makes marked)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class ResourceType(Enum):
    """What a pooled resource is."""

    PROCESS = "process"
    THREAD = "thread"


class ResourceStatus(Enum):
    IDLE = "idle"
    BUSY = "busy"
    INITIALIZING = "initializing"
    SHUTTING_DOWN = "shutting_down"
    ERROR = "error"


class TaskType(Enum):
    INFERENCE = "inference"
    """Model inference: runs on the dedicated inference process when there is one."""
    MEETING = "meeting"
    JOB = "job"


class TaskStatus(Enum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ExecutorType(Enum):
    """Run jobs in child processes (isolated: a crash, a hang or a leak ends only that process)
    or in threads of this process (no isolation; for platforms without ``fork``/``spawn``
    support worth paying for, and for light agents)."""

    PROCESS = "process"
    THREAD = "thread"


default_executor_type = ExecutorType.THREAD if sys.platform == "win32" else ExecutorType.PROCESS
"""Processes everywhere but Windows, where starting a process costs seconds."""


@dataclass
class ResourceConfig:
    """How the pool is sized and watched (reference defaults).

    ``max_concurrent_tasks`` is how many tasks (calls) one resource runs at once: 1 isolates
    every call in its own process; more trade isolation for density (a crash ends every call of
    that process, and only those). A process sending no heartbeat for
    ``health_check_interval`` seconds (its event loop is blocked) is killed and replaced, as is
    one above ``memory_limit_mb`` (0: no limit). ``load_threshold`` is used by the ``Worker``,
    not here. Vocalis additions: ``initialize_process_fnc(proc)``, run once in every new
    resource before it reports ready (load models there), and ``log_level`` for children.
    """

    resource_type: ResourceType = ResourceType.PROCESS
    num_idle_resources: int = 2
    max_resources: int = 10
    initialize_timeout: float = 10.0
    close_timeout: float = 60.0
    memory_warn_mb: float = 500.0
    memory_limit_mb: float = 0.0
    ping_interval: float = 30.0
    health_check_interval: float = 5.0
    load_threshold: float = 0.75
    max_concurrent_tasks: int = 1
    executor_type: ExecutorType = default_executor_type
    use_dedicated_inference_process: bool = True
    inference_process_timeout: float = 30.0
    inference_memory_warn_mb: float = 1000.0
    initialize_process_fnc: Callable[[Any], Any] | None = None
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if self.num_idle_resources < 0 or self.max_resources < 1:
            raise ValueError("need num_idle_resources >= 0 and max_resources >= 1")
        if self.num_idle_resources > self.max_resources:
            raise ValueError("num_idle_resources cannot exceed max_resources")
        if self.max_concurrent_tasks < 1:
            raise ValueError("max_concurrent_tasks must be >= 1")
        if self.initialize_timeout <= 0 or self.health_check_interval <= 0:
            raise ValueError("initialize_timeout and health_check_interval must be > 0")
        if self.memory_limit_mb < 0 or self.close_timeout < 0:
            raise ValueError("memory_limit_mb and close_timeout must be >= 0")


@dataclass
class ResourceInfo:
    """A snapshot of one resource."""

    resource_id: str
    resource_type: ResourceType
    status: ResourceStatus
    current_load: float = 0.0
    memory_usage_mb: float = 0.0
    cpu_usage_percent: float = 0.0
    active_tasks: int = 0
    total_tasks_processed: int = 0
    last_heartbeat: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource_id": self.resource_id,
            "resource_type": self.resource_type.value,
            "status": self.status.value,
            "current_load": round(self.current_load, 3),
            "memory_usage_mb": round(self.memory_usage_mb, 1),
            "cpu_usage_percent": round(self.cpu_usage_percent, 1),
            "active_tasks": self.active_tasks,
            "total_tasks_processed": self.total_tasks_processed,
            "last_heartbeat": self.last_heartbeat,
            "metadata": dict(self.metadata),
        }


@dataclass
class TaskConfig:
    """One task: its type and time limit (``timeout``, seconds; past it the task is cancelled,
    and the resource is killed if the task does not let go). ``retry_count`` is what
    ``TaskExecutor`` uses; ``priority``, ``required_memory_mb`` and ``required_cpu_cores`` are
    accepted and unused, as in the reference."""

    task_type: TaskType
    timeout: float = 300.0
    retry_count: int = 3
    priority: int = 0
    required_memory_mb: float = 100.0
    required_cpu_cores: int = 1
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class TaskResult:
    """How a task ended: ``result`` on success, ``error`` (a sentence) otherwise."""

    task_id: str
    status: TaskStatus
    result: Any = None
    error: str | None = None
    execution_time: float = 0.0
    memory_used_mb: float = 0.0


@dataclass
class HealthMetrics:
    """One health sample of a resource."""

    resource_id: str
    timestamp: float
    memory_usage_mb: float
    cpu_usage_percent: float
    active_tasks: int
    response_time_ms: float
    error_count: int = 0
    success_count: int = 0
