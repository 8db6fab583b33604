"""The execution layer's enums and records (names, fields and defaults of the reference)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class ExecutorType(Enum):
    PROCESS = "process"
    THREAD = "thread"


DEFAULT_EXECUTOR_TYPE = ExecutorType.THREAD if sys.platform == "win32" else ExecutorType.PROCESS


class ResourceType(Enum):
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
    MEETING = "meeting"
    JOB = "job"


class TaskStatus(Enum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass
class ResourceConfig:
    """The pool: its kind, its idle target and cap, its timeouts and health checks."""

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
    executor_type: ExecutorType = DEFAULT_EXECUTOR_TYPE
    use_dedicated_inference_process: bool = True
    inference_process_timeout: float = 30.0
    inference_memory_warn_mb: float = 1000.0


@dataclass
class ResourceInfo:
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


@dataclass
class TaskConfig:
    """One task: its type, timeout (5 minutes) and retries."""

    task_type: TaskType
    timeout: float = 300.0
    retry_count: int = 3
    priority: int = 0
    required_memory_mb: float = 100.0
    required_cpu_cores: int = 1
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class TaskResult:
    task_id: str
    status: TaskStatus
    result: Any = None
    error: str | None = None
    execution_time: float = 0.0
    memory_used_mb: float = 0.0


@dataclass
class HealthMetrics:
    resource_id: str
    timestamp: float
    memory_usage_mb: float
    cpu_usage_percent: float
    active_tasks: int
    response_time_ms: float
    error_count: int = 0
    success_count: int = 0
