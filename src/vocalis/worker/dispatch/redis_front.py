"""``RedisDispatcher``: a front handing calls to the workers registered in Redis.

``dispatch`` checks the registry (is any worker of this agent alive and below its load
threshold? if not, the caller hears "try later" at once instead of waiting), then adds the
``JobRequest`` to the agent's job stream, where the first worker with capacity takes it. The
worker's ``JobUpdate``s come back on this front's own stream and reach the waiting call. A
watcher looks at the registry every quarter ``ping_interval``: the calls of a worker whose key
expired (two heartbeats missed) are told their worker is lost, and its consumer is removed
from the group, so nothing waits for a dead worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...utils.tasks import TaskGroup
from .messages import FAILED, JobRequest, JobUpdate, NoWorkerAvailable, WorkerStatus
from .redis_keys import (
    GROUP,
    JOBS_MAXLEN,
    RedisUnavailable,
    backoff,
    connect,
    fatal_reporter,
    jobs_key,
    updates_key,
    worker_key,
    workers_key,
)

logger = logging.getLogger("vocalis.worker.dispatch")

READ_BLOCK_MS = 1000
MIN_WATCH_SECONDS = 0.05
MAX_WATCH_SECONDS = 5.0


@dataclass
class _Route:
    on_update: Callable[[JobUpdate], None]
    worker_id: str = ""


class RedisDispatcher:
    """See the module docstring."""

    def __init__(self, url: str, *, agent_id: str, front_id: str | None = None,
                 max_retry: int = 16, on_fatal: Callable[[str], None] | None = None) -> None:
        self.agent_id = agent_id
        self.front_id = front_id or uuid.uuid4().hex[:12]
        self.max_retry = max_retry
        self.redis = connect(url)
        self.reader = connect(url)
        self.workers: dict[str, WorkerStatus] = {}
        self.lost_workers = 0
        self.dispatched = 0
        self._routes: dict[str, _Route] = {}
        self._tasks = TaskGroup("vocalis.front.dispatch", on_error=fatal_reporter(on_fatal))

    async def start(self) -> None:
        await self.redis.ping()
        await self.refresh()
        self._tasks.spawn(self._read_updates(), name="vocalis.front.updates")
        self._tasks.spawn(self._watch(), name="vocalis.front.watch")

    async def aclose(self) -> None:
        await self._tasks.aclose()
        with contextlib.suppress(*RedisUnavailable):
            await self.redis.delete(updates_key(self.front_id))
        await self.redis.aclose()
        await self.reader.aclose()

    # ---- registry ----------------------------------------------------------------------------

    async def refresh(self) -> dict[str, WorkerStatus]:
        """The live workers of this agent (stale ids are removed from the set)."""
        ids = sorted(await self.redis.smembers(workers_key(self.agent_id)))
        values = await self.redis.mget([worker_key(self.agent_id, i) for i in ids]) if ids else []
        live: dict[str, WorkerStatus] = {}
        stale: list[str] = []
        for worker_id, value in zip(ids, values, strict=True):
            if value is None:
                stale.append(worker_id)
                continue
            with contextlib.suppress(ValueError, TypeError):
                live[worker_id] = WorkerStatus.from_dict(json.loads(value))
        if stale:
            await self._forget(stale)
        for worker_id in set(self.workers) - set(live):
            self._worker_lost(worker_id)
        self.workers = live
        return live

    async def _forget(self, worker_ids: list[str]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.srem(workers_key(self.agent_id), *worker_ids)
            for worker_id in worker_ids:
                pipe.xgroup_delconsumer(jobs_key(self.agent_id), GROUP, worker_id)
            with contextlib.suppress(Exception):
                await pipe.execute(raise_on_error=False)

    def _worker_lost(self, worker_id: str) -> None:
        self.lost_workers += 1
        logger.warning("worker %s is gone (its heartbeat expired)", worker_id)
        for job_id, route in list(self._routes.items()):
            if route.worker_id == worker_id:
                route.on_update(JobUpdate(job_id, FAILED, worker_id,
                                          error="worker lost: its heartbeat expired"))

    async def _watch(self) -> None:
        failures = 0
        while True:
            intervals = [w.ping_interval for w in self.workers.values()] or [MAX_WATCH_SECONDS]
            await asyncio.sleep(min(max(min(intervals) / 4, MIN_WATCH_SECONDS),
                                    MAX_WATCH_SECONDS))
            try:
                await self.refresh()
                failures = 0
            except RedisUnavailable as exc:
                failures += 1
                await backoff(failures, self.max_retry, "reading the registry", exc)

    # ---- assignment --------------------------------------------------------------------------

    async def dispatch(self, request: JobRequest, on_update: Callable[[JobUpdate], None]) -> None:
        """Queue ``request`` for the agent's workers (``NoWorkerAvailable`` if none can take
        it now, or Redis is unreachable)."""
        try:
            live = await self.refresh()
            if not any(w.has_capacity for w in live.values()):
                raise NoWorkerAvailable(
                    f"no worker of agent {self.agent_id!r} has capacity ({len(live)} registered)")
            self._routes[request.job_id] = _Route(on_update)
            await self.redis.xadd(jobs_key(self.agent_id),
                                  {"request": json.dumps(request.to_dict())},
                                  maxlen=JOBS_MAXLEN, approximate=True)
        except RedisUnavailable as exc:
            self._routes.pop(request.job_id, None)
            raise NoWorkerAvailable(f"the registry is unreachable: {exc}") from exc
        self.dispatched += 1

    def release(self, job_id: str) -> None:
        self._routes.pop(job_id, None)

    async def _read_updates(self) -> None:
        key = updates_key(self.front_id)
        last = "0-0"
        failures = 0
        while True:
            try:
                entries = await self.reader.xread({key: last}, count=100, block=READ_BLOCK_MS)
                failures = 0
            except RedisUnavailable as exc:
                failures += 1
                await backoff(failures, self.max_retry, "reading job updates", exc)
                continue
            for _, messages in entries or []:
                for entry_id, fields in messages:
                    last = entry_id
                    self._deliver(fields)

    def _deliver(self, fields: dict[str, Any]) -> None:
        try:
            update = JobUpdate.from_dict(json.loads(fields["update"]))
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("ignoring a malformed job update: %s", exc)
            return
        route = self._routes.get(update.job_id)
        if route is None:
            return
        route.worker_id = update.worker_id or route.worker_id
        route.on_update(update)

    def stats(self) -> dict[str, Any]:
        return {
            "kind": "redis", "front_id": self.front_id, "calls_dispatched": self.dispatched,
            "workers_lost": self.lost_workers,
            "workers": {w.worker_id: {"status": w.status, "load": w.load, "jobs": w.job_count,
                                      "capacity": w.capacity, "host": w.host}
                        for w in self.workers.values()},
        }
