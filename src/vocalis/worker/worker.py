"""``Worker``: a machine's pool of prewarmed job processes, and the calls running on it.

A call reaches a worker as a ``JobRequest`` (from this process's front through
``LocalDispatcher``, or from any front through Redis with ``register=True``). ``accept`` takes
it if the worker has capacity (not draining, ``load < load_threshold``, ``request_fnc`` agrees)
and runs ``run_linked_job`` on the pool: the pooled process dials the front, runs the agent's
entrypoint on a ``LinkedRoom``, and ends the job when the call ends. Each job's progress goes
back as ``JobUpdate``s (running, then completed or failed with the reason).

``Worker.run_worker(options)`` is the reference's process entry point (see ``deployment``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..job.options import RoomOptions
from ..storage import CallStore, StorageConfig, history_enabled
from ..utils.tasks import TaskGroup
from .agent_target import AgentTarget
from .dispatch.messages import (
    COMPLETED,
    FAILED,
    RUNNING,
    JobRequest,
    JobUpdate,
    NoWorkerAvailable,
    WorkerStatus,
)
from .execution import (
    ExecutorType,
    ResourceConfig,
    ResourceType,
    TaskExecutor,
    TaskStatus,
    TaskType,
)
from .linked_job import SHUTDOWN_GRACE, run_linked_job
from .options import WorkerOptions

logger = logging.getLogger("vocalis.worker")

UpdateSink = Callable[[JobUpdate], None]

TASK_MARGIN = 2 * SHUTDOWN_GRACE + 2.0
"""The pool's hard limit on a job is its ``job_timeout`` plus this (the job ends itself first)."""

END_JOBS_SECONDS = 10.0
"""At shutdown, how long ended jobs may take to close their calls."""

LOST_CALL_SECONDS = 5.0
"""How long recording the end of a call whose process died may take (the database may be down)."""


@dataclass
class RunningJob:
    """A call running on this worker."""

    request: JobRequest
    on_update: UpdateSink | None
    started_at: float = field(default_factory=time.time)
    task: asyncio.Task[None] | None = None

    def to_dict(self, resource_id: str | None) -> dict[str, Any]:
        r = self.request
        return {"job_id": r.job_id, "room_id": r.room_id, "transport": r.transport,
                "front_id": r.front_id, "resource_id": resource_id,
                "started_at": self.started_at,
                "seconds": round(time.time() - self.started_at, 1)}


class Worker:
    """See the module docstring. ``default_room_options`` is the template of every job's
    ``RoomOptions`` (lifetime rules); an agent file's own ``room_options`` otherwise.
    ``history``: where the pooled processes record the calls (None: nowhere)."""

    def __init__(self, options: WorkerOptions,
                 default_room_options: RoomOptions | None = None, *,
                 on_fatal: Callable[[str], None] | None = None,
                 history: StorageConfig | None = None) -> None:
        self.options = options
        self.on_fatal = on_fatal
        self.worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.target = AgentTarget(
            agent_file=options.agent_file, entrypoint=options.entrypoint_fnc,
            prewarm=options.initialize_process_fnc, room_options=default_room_options,
            history=history,
        )
        self.process_manager: TaskExecutor | None = None
        self.jobs: dict[str, RunningJob] = {}
        self.draining = False
        self.completed_jobs = 0
        self.failed_jobs = 0
        self.started_at = time.time()
        self.changed = asyncio.Event()
        self.registration: Any = None
        self._tasks = TaskGroup("vocalis.worker.jobs")
        self._history: CallStore | None = None
        self._shutdown = False

    # ---- lifecycle ---------------------------------------------------------------------------

    async def initialize(self, default_room_options: RoomOptions | None = None) -> None:
        """Start the warm pool (and, with ``register=True``, join the Redis registry).

        ``default_room_options``, when given, replaces the constructor's (the reference accepts
        and ignores it)."""
        if default_room_options is not None:
            self.target = dataclasses.replace(self.target, room_options=default_room_options)
        o = self.options
        await self._migrate_history()
        config = ResourceConfig(
            resource_type=ResourceType.THREAD if o.executor_type is ExecutorType.THREAD
            else ResourceType.PROCESS,
            num_idle_resources=o.num_idle_processes, max_resources=o.max_processes,
            initialize_timeout=o.initialize_timeout, close_timeout=o.close_timeout,
            memory_warn_mb=o.memory_warn_mb, memory_limit_mb=o.memory_limit_mb,
            ping_interval=o.ping_interval, health_check_interval=o.health_check_interval,
            load_threshold=o.load_threshold, max_concurrent_tasks=o.jobs_per_process,
            executor_type=o.executor_type, use_dedicated_inference_process=False,
            initialize_process_fnc=self.target.initialize, log_level=o.log_level,
        )
        self.process_manager = TaskExecutor(config)
        await self.process_manager.start()
        self.process_manager.resource_manager.on_replaced(lambda *_: self._status_changed())
        if o.register:
            from .dispatch.redis_worker import RedisRegistration

            self.registration = RedisRegistration(self, self.on_fatal)
            await self.registration.start()
        logger.info("worker %s ready: %d process(es), capacity %d call(s)", self.worker_id,
                    len(self.process_manager.resource_manager.resources), self.capacity)

    async def _migrate_history(self) -> None:
        """Bring the history's schema up to date once, here, before the processes open it."""
        history = self.target.history
        if history is None or not history_enabled():
            return
        self._history = CallStore.from_url(history.url)
        try:
            await self._history.ensure_schema()
        except Exception as exc:
            logger.warning("call history database %s unavailable (%s); the processes spool "
                           "their calls until it answers", history.display_url, exc)

    def _end_lost_call(self, job: RunningJob, reason: str) -> None:
        """A call whose process died (crash, memory limit, timeout, shutdown) could not record
        its end: record it here, in the background, so the history does not show it live
        forever (or not at all); the job's slot is free meanwhile."""
        if self._history is not None:
            self._tasks.spawn(self._record_end(job, reason[:200]),
                              name=f"vocalis.worker.lost.{job.request.job_id}")

    async def _record_end(self, job: RunningJob, reason: str) -> None:
        assert self._history is not None
        r = job.request
        call = {"id": r.job_id, "started_at": job.started_at, "transport": r.transport,
                "room_id": r.room_id}
        try:
            await asyncio.wait_for(self._history.end_unfinished(call, reason), LOST_CALL_SECONDS)
        except Exception as exc:
            logger.warning("could not record the end of call %s: %s", r.job_id, exc)

    def stop_taking_calls(self) -> None:
        """Draining: refuse new calls (and tell the registry)."""
        self.draining = True
        self._status_changed()

    async def drain(self, timeout: float | None = None) -> None:
        """Take no new calls; wait for the running ones to end (at most ``timeout``)."""
        self.stop_taking_calls()
        deadline = time.monotonic() + (self.options.close_timeout if timeout is None else timeout)
        while self.jobs and time.monotonic() < deadline:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                break
        if self.jobs:
            logger.warning("drain: %d call(s) still running after %.0f s", len(self.jobs),
                           self.options.close_timeout if timeout is None else timeout)

    async def shutdown(self, grace: float = END_JOBS_SECONDS) -> None:
        """End every call ("server_shutdown"; they get ``grace`` seconds to close), leave the
        registry, stop the pool."""
        if self._shutdown:
            return
        self._shutdown = True
        self.draining = True
        for job_id in list(self.jobs):
            self.end_job(job_id, "server_shutdown")
        running = [job.task for job in self.jobs.values() if job.task is not None]
        if running:
            await asyncio.wait(running, timeout=grace)
        if self._history is not None:
            await asyncio.gather(*(self._record_end(job, "server_shutdown")
                                   for job in list(self.jobs.values())))
        if self.registration is not None:
            await self.registration.aclose()
        await self._tasks.aclose()
        if self.process_manager is not None:
            await self.process_manager.stop(0.0)
        if self._history is not None:
            await self._history.aclose()

    async def __aenter__(self) -> Worker:
        await self.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()

    @staticmethod
    def run_worker(options: WorkerOptions, default_room_options: RoomOptions | None = None) -> None:
        """Run until stopped: SIGTERM or Ctrl+C drains (running calls get ``close_timeout``),
        a second signal stops at once. With ``register=True`` this is a worker of a Redis
        deployment; otherwise it also serves the transports (``default_room_options``) and
        hands each call to its own pool."""
        from .deployment import Deployment, Role

        role = Role.WORKER if options.register else Role.ALL
        Deployment(options, default_room_options, role=role).run()

    # ---- calls -------------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        return self.options.capacity

    @property
    def load(self) -> float:
        """Running calls over capacity (the reference's jobs / max_processes)."""
        return min(len(self.jobs) / self.capacity, 1.0)

    def can_accept(self) -> bool:
        return (not self.draining and len(self.jobs) < self.capacity
                and self.load < self.options.load_threshold)

    async def accept(self, request: JobRequest, on_update: UpdateSink | None = None) -> None:
        """Take the call ``request`` or raise ``NoWorkerAvailable``."""
        if not self.can_accept():
            raise NoWorkerAvailable("the worker is at capacity or draining")
        if self.options.request_fnc is not None:
            verdict = self.options.request_fnc(request)
            if inspect.isawaitable(verdict):
                verdict = await verdict
            if verdict is False:
                raise NoWorkerAvailable("request_fnc refused the call")
            if not self.can_accept():
                raise NoWorkerAvailable("the worker is at capacity or draining")
        job = RunningJob(request, on_update)
        self.jobs[request.job_id] = job
        self._update(job, RUNNING)
        job.task = self._tasks.spawn(self._run(job), name=f"vocalis.worker.job.{request.job_id}")
        self._status_changed()

    def release(self, job_id: str) -> None:
        """Stop sending updates about ``job_id`` (its front no longer follows it)."""
        job = self.jobs.get(job_id)
        if job is not None:
            job.on_update = None

    def end_job(self, job_id: str, reason: str) -> None:
        """End one call now; the caller is told ``reason``."""
        if self.process_manager is not None and job_id in self.jobs:
            self.process_manager.cancel(job_id, reason)

    async def _run(self, job: RunningJob) -> None:
        assert self.process_manager is not None
        timeout = job.request.timeout or self.options.job_timeout
        try:
            result = await self.process_manager.execute(
                run_linked_job, TaskType.JOB, timeout + TASK_MARGIN, 0, 0,
                self.target, job.request, timeout, task_id=job.request.job_id,
            )
            if result.status is TaskStatus.COMPLETED:
                self.completed_jobs += 1
                reason = (result.result or {}).get("reason", "") if isinstance(
                    result.result, dict) else ""
                self._update(job, COMPLETED, reason=reason)
            else:
                self.failed_jobs += 1
                logger.warning("job %s %s: %s", job.request.job_id, result.status.value,
                               result.error)
                self._update(job, FAILED, error=result.error or result.status.value)
                self._end_lost_call(job, f"worker_failed: {result.error or result.status.value}")
        finally:
            self.jobs.pop(job.request.job_id, None)
            self._status_changed()

    def _update(self, job: RunningJob, status: str, *, error: str | None = None,
                reason: str = "") -> None:
        if job.on_update is None:
            return
        update = JobUpdate(job.request.job_id, status, self.worker_id, error=error, reason=reason)
        try:
            job.on_update(update)
        except Exception:
            logger.exception("delivering the update of job %s failed", job.request.job_id)

    def _status_changed(self) -> None:
        self.changed.set()
        if self.registration is not None:
            self.registration.status_changed()

    async def execute_job(self, job_data: dict[str, Any]) -> dict[str, Any]:
        """Run any picklable task on the pool (the reference's helper): ``job_data`` holds
        ``entrypoint`` (required), ``args``, ``kwargs``, ``timeout`` (300), ``retry_count`` (3)
        and ``priority`` (0). The reference's version raised ``TypeError`` whenever ``args``
        was given; this one passes them."""
        return await self._execute(TaskType.JOB, job_data)

    async def execute_inference(self, inference_data: dict[str, Any]) -> dict[str, Any]:
        """``execute_job`` for an inference task."""
        return await self._execute(TaskType.INFERENCE, inference_data)

    async def _execute(self, task_type: TaskType, data: dict[str, Any]) -> dict[str, Any]:
        if self.process_manager is None:
            raise RuntimeError("the worker is not initialized")
        result = await self.process_manager.execute(
            data["entrypoint"], task_type, float(data.get("timeout", 300.0)),
            int(data.get("retry_count", 3)), int(data.get("priority", 0)),
            *data.get("args", ()), **data.get("kwargs", {}),
        )
        return {"status": result.status.value, "result": result.result, "error": result.error,
                "execution_time": result.execution_time, "task_id": result.task_id}

    # ---- reporting ---------------------------------------------------------------------------

    def status(self) -> WorkerStatus:
        """This worker's advertisement."""
        return WorkerStatus(
            worker_id=self.worker_id, agent_id=self.options.agent_id,
            status="draining" if self.draining else "available", load=round(self.load, 4),
            job_count=len(self.jobs), capacity=self.capacity,
            load_threshold=self.options.load_threshold, ping_interval=self.options.ping_interval,
            host=socket.gethostname(), pid=os.getpid(),
        )

    def get_stats(self) -> dict[str, Any]:
        """What ``/stats`` shows: load, jobs, pool, per-process memory and media-hop delays."""
        manager = self.process_manager.resource_manager if self.process_manager else None
        infos = manager.get_resource_info() if manager else []
        stats: dict[str, Any] = {
            "worker_id": self.worker_id, "agent_id": self.options.agent_id,
            "worker_load": round(self.load, 4), "draining": self.draining,
            "current_jobs": len(self.jobs), "capacity": self.capacity,
            "max_processes": self.options.max_processes,
            "jobs_per_process": self.options.jobs_per_process,
            "register": self.options.register,
            "completed_jobs": self.completed_jobs, "failed_jobs": self.failed_jobs,
            "uptime_seconds": round(time.time() - self.started_at, 1),
            "jobs": [job.to_dict(manager.placement(job_id) if manager else None)
                     for job_id, job in self.jobs.items()],
            "resource_info": [info.to_dict() for info in infos],
        }
        if self.process_manager is not None:
            stats["resource_stats"] = self.process_manager.get_stats()
            summary = stats["resource_stats"]["resource_stats"]
            stats["resource_summary"] = {
                key: summary[key] for key in ("total_resources", "available_resources",
                                              "active_resources", "replaced_resources")
            }
        if self.registration is not None:
            stats["registry"] = self.registration.stats()
        return stats
