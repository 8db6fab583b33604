"""Handing calls from fronts to workers: on one machine (``LocalDispatcher``) or through Redis
(``RedisDispatcher`` on fronts, ``RedisRegistration`` on workers)."""

from .local import LocalDispatcher
from .messages import JobRequest, JobUpdate, NoWorkerAvailable, WorkerStatus

__all__ = ["JobRequest", "JobUpdate", "LocalDispatcher", "NoWorkerAvailable", "WorkerStatus"]
