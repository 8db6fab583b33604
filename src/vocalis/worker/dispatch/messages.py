"""What fronts and workers tell each other: a call to take, how a job is doing, who is there.

The reference's flow, with Redis as the registry: a worker advertises itself (``WorkerStatus``,
its availability: agent id, capacity, load, draining or not); a front hands a call out
(``JobRequest``, the assignment, naming the link address the worker dials and the token that
claims the call); the worker reports the job (``JobUpdate``: running, completed, failed, or
rejected when it could not take it after all). Each is a flat dataclass with ``to_dict`` /
``from_dict`` (JSON-friendly values only).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"
REJECTED = "rejected"
JOB_STATUSES = (RUNNING, COMPLETED, FAILED, REJECTED)


class NoWorkerAvailable(RuntimeError):
    """No worker can take the call now (all at capacity, draining, or none running)."""


class _Message:
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class JobRequest(_Message):
    """One call for a worker: dial ``link_address`` and present ``token`` to take it."""

    job_id: str
    agent_id: str
    link_address: str
    token: str
    metadata: dict[str, Any] = field(default_factory=dict)
    room_id: str = ""
    transport: str = ""
    front_id: str = ""
    timeout: float | None = None
    created_at: float = field(default_factory=time.time)
    expires_at: float = 0.0

    def expired(self, at: float | None = None) -> bool:
        """Past ``expires_at`` (wall clock): the front stopped waiting for a worker."""
        return bool(self.expires_at) and (at or time.time()) > self.expires_at


@dataclass
class JobUpdate(_Message):
    """How job ``job_id`` is doing on worker ``worker_id``."""

    job_id: str
    status: str
    worker_id: str = ""
    error: str | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.status not in JOB_STATUSES:
            raise ValueError(f"unknown job status {self.status!r}")

    @property
    def is_final(self) -> bool:
        return self.status in (COMPLETED, FAILED, REJECTED)


@dataclass
class WorkerStatus(_Message):
    """A worker's advertisement (the reference's ``status_update``), refreshed every
    ``ping_interval``."""

    worker_id: str
    agent_id: str
    status: str = "available"
    load: float = 0.0
    job_count: int = 0
    capacity: int = 1
    load_threshold: float = 0.75
    ping_interval: float = 30.0
    host: str = ""
    pid: int = 0
    health_url: str = ""
    updated_at: float = field(default_factory=time.time)

    @property
    def has_capacity(self) -> bool:
        return (self.status == "available" and self.job_count < self.capacity
                and self.load < self.load_threshold)
