"""``WorkerOptions`` and ``WorkerType``: how a worker runs (reference names and defaults).

Reference fields that only concern VideoSDK's cloud (``auth_token``, ``permissions``,
``signaling_base_url``) are accepted and unused. ``register=True`` registers with a Redis
registry (``redis_url``, default ``$REDIS_URL``) instead of VideoSDK's. Vocalis additions are
documented on each field.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .execution.types import ExecutorType, default_executor_type

REDIS_URL_ENV = "REDIS_URL"


class WorkerType(Enum):
    """What a worker serves: one call ("room") per job."""

    ROOM = "room"


@dataclass
class WorkerOptions:
    """How a ``Worker`` runs.

    Pool: ``num_idle_processes`` warm processes (or threads, ``executor_type``), at most
    ``max_processes``, each prewarmed once by ``initialize_process_fnc(proc)``; ``jobs_per_process``
    calls per process (Vocalis; 1 isolates every call, more trade isolation for density).
    Limits: ``memory_warn_mb`` logs, ``memory_limit_mb`` (0: off) kills and replaces the
    process; ``job_timeout`` (Vocalis, default one hour) ends a call that lasts longer; a
    process whose event loop is blocked for ``health_check_interval`` (Vocalis) is replaced.
    Load: ``load`` is jobs / (``max_processes`` * ``jobs_per_process``); at or above
    ``load_threshold`` the worker takes no new calls. Draining (SIGTERM): no new calls,
    running calls get ``close_timeout`` to finish. Health and debug HTTP on ``host:port``.
    With ``register=True`` the worker advertises itself in Redis every ``ping_interval``
    (keys expire after two) and takes calls from fronts; ``max_retry`` bounds reconnects.
    ``request_fnc(request)`` may refuse a call (return False). ``agent_file`` (Vocalis): run
    an agent file instead of ``entrypoint_fnc``. ``access_token`` (Vocalis): required by
    ``/stats`` and ``/debug`` when the HTTP server is not on loopback.
    """

    entrypoint_fnc: Callable[..., Any] | None = None
    request_fnc: Callable[[Any], Any] | None = None
    initialize_process_fnc: Callable[[Any], Any] | None = None
    executor_type: ExecutorType = default_executor_type
    num_idle_processes: int = 2
    initialize_timeout: float = 10.0
    close_timeout: float = 60.0
    memory_warn_mb: float = 500.0
    memory_limit_mb: float = 0.0
    ping_interval: float = 30.0
    max_processes: int = 10
    agent_id: str = "VideoSDKAgent"
    auth_token: str | None = None
    worker_type: WorkerType = WorkerType.ROOM
    permissions: Any = None
    max_retry: int = 16
    load_threshold: float = 0.75
    register: bool = False
    signaling_base_url: str = "api.videosdk.live"
    host: str = "0.0.0.0"
    port: int = 8081
    log_level: str = "INFO"
    agent_file: str | None = None
    jobs_per_process: int = 1
    job_timeout: float = 3600.0
    health_check_interval: float = 5.0
    redis_url: str | None = None
    access_token: str | None = None

    def __post_init__(self) -> None:
        self.executor_type = ExecutorType(getattr(self.executor_type, "value",
                                                  self.executor_type or default_executor_type))
        if (self.entrypoint_fnc is None) == (self.agent_file is None):
            raise ValueError("WorkerOptions needs exactly one of entrypoint_fnc and agent_file")
        if self.max_processes < 1 or self.jobs_per_process < 1:
            raise ValueError("max_processes and jobs_per_process must be >= 1")
        if not 0 <= self.num_idle_processes <= self.max_processes:
            raise ValueError("num_idle_processes must be in 0..max_processes")
        if not 0 < self.load_threshold <= 1.0:
            raise ValueError("load_threshold must be in (0, 1]")
        if self.ping_interval <= 0 or self.job_timeout <= 0 or self.health_check_interval < 1.0:
            raise ValueError("ping_interval and job_timeout must be > 0, "
                             "health_check_interval >= 1 s")
        if self.redis_url is None:
            self.redis_url = os.environ.get(REDIS_URL_ENV) or None
        if self.register and not self.redis_url:
            raise ValueError(
                "register=True registers this worker with a Redis registry: set REDIS_URL "
                "(for example redis://localhost:6379/0) or WorkerOptions(redis_url=...)"
            )

    @property
    def capacity(self) -> int:
        """Calls this worker runs at once at most."""
        return self.max_processes * self.jobs_per_process
