"""``RedisRegistration``: a worker's membership of a Redis deployment.

It advertises the worker (``WorkerStatus`` on an expiring key, refreshed every
``ping_interval`` and at once when the load changes), takes calls from the agent's job stream
(``XREADGROUP``, one at a time, only while the worker can accept one: that is how it answers
availability), and sends each job's updates to the stream of the front that asked. Leaving
(shutdown) removes the worker's key and its consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redis.exceptions import ResponseError

from ...utils.tasks import TaskGroup
from .messages import REJECTED, JobRequest, JobUpdate, NoWorkerAvailable
from .redis_keys import (
    GROUP,
    UPDATES_MAXLEN,
    UPDATES_TTL_SECONDS,
    RedisUnavailable,
    backoff,
    connect,
    fatal_reporter,
    jobs_key,
    updates_key,
    worker_key,
    workers_key,
)

if TYPE_CHECKING:
    from ..worker import Worker

logger = logging.getLogger("vocalis.worker.dispatch")

READ_BLOCK_MS = 1000
STATUS_DEBOUNCE_SECONDS = 0.05
UPDATE_QUEUE_LIMIT = 10_000


class RedisRegistration:
    """See the module docstring."""

    def __init__(self, worker: Worker, on_fatal: Callable[[str], None] | None = None) -> None:
        self.worker = worker
        options = worker.options
        assert options.redis_url
        self.agent_id = options.agent_id
        self.ping_interval = options.ping_interval
        self.max_retry = options.max_retry
        self.redis = connect(options.redis_url)
        self.reader = connect(options.redis_url)
        self.heartbeats = 0
        self.taken = 0
        self.rejected = 0
        self._dirty = asyncio.Event()
        self._updates: asyncio.Queue[tuple[str, JobUpdate]] = asyncio.Queue(UPDATE_QUEUE_LIMIT)
        self._tasks = TaskGroup("vocalis.worker.registration", on_error=fatal_reporter(on_fatal))
        self._closing = False

    @property
    def key(self) -> str:
        return worker_key(self.agent_id, self.worker.worker_id)

    async def start(self) -> None:
        """Create the job stream's group if needed, advertise, start taking calls."""
        with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists
            await self.redis.xgroup_create(jobs_key(self.agent_id), GROUP, id="$", mkstream=True)
        await self._advertise()
        self._tasks.spawn(self._advertise_loop(), name="vocalis.registration.advertise")
        self._tasks.spawn(self._take_calls(), name="vocalis.registration.take")
        self._tasks.spawn(self._send_updates(), name="vocalis.registration.updates")

    def status_changed(self) -> None:
        self._dirty.set()

    async def aclose(self) -> None:
        """Leave the deployment: updates sent, key and consumer removed."""
        self._closing = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._flush_updates(), 2.0)
        await self._tasks.aclose()
        with contextlib.suppress(*RedisUnavailable, ResponseError):
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.delete(self.key)
                pipe.srem(workers_key(self.agent_id), self.worker.worker_id)
                pipe.xgroup_delconsumer(jobs_key(self.agent_id), GROUP, self.worker.worker_id)
                await pipe.execute()
        await self.redis.aclose()
        await self.reader.aclose()

    # ---- availability ------------------------------------------------------------------------

    async def _advertise(self) -> None:
        status = self.worker.status()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self.key, json.dumps(status.to_dict()), px=int(self.ping_interval * 2000))
            pipe.sadd(workers_key(self.agent_id), self.worker.worker_id)
            await pipe.execute()
        self.heartbeats += 1

    async def _advertise_loop(self) -> None:
        failures = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), self.ping_interval)
                await asyncio.sleep(STATUS_DEBOUNCE_SECONDS)
            self._dirty.clear()
            try:
                await self._advertise()
                failures = 0
            except RedisUnavailable as exc:
                failures += 1
                await backoff(failures, self.max_retry, "heartbeat", exc)

    # ---- assignment --------------------------------------------------------------------------

    async def _take_calls(self) -> None:
        failures = 0
        stream = jobs_key(self.agent_id)
        while True:
            if not self.worker.can_accept():
                self.worker.changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.worker.changed.wait(), READ_BLOCK_MS / 1000)
                continue
            try:
                entries = await self.reader.xreadgroup(GROUP, self.worker.worker_id, {stream: ">"},
                                                       count=1, block=READ_BLOCK_MS)
                failures = 0
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                await self.redis.xgroup_create(stream, GROUP, id="$", mkstream=True)
                continue
            except RedisUnavailable as exc:
                failures += 1
                await backoff(failures, self.max_retry, "reading calls", exc)
                continue
            for _, messages in entries or []:
                for entry_id, fields in messages:
                    await self._take(stream, entry_id, fields)

    async def _take(self, stream: str, entry_id: str, fields: dict[str, Any]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xack(stream, GROUP, entry_id)
            pipe.xdel(stream, entry_id)
            await pipe.execute()
        try:
            request = JobRequest.from_dict(json.loads(fields["request"]))
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("ignoring a malformed job request %s: %s", entry_id, exc)
            return
        if request.expired():
            return
        front = request.front_id
        try:
            await self.worker.accept(request, lambda update: self._queue_update(front, update))
            self.taken += 1
        except NoWorkerAvailable as exc:
            self.rejected += 1
            self._queue_update(front, JobUpdate(request.job_id, REJECTED, self.worker.worker_id,
                                                error=str(exc)))

    # ---- job updates -------------------------------------------------------------------------

    def _queue_update(self, front_id: str, update: JobUpdate) -> None:
        try:
            self._updates.put_nowait((front_id, update))
        except asyncio.QueueFull:
            logger.error("dropping job update %s %s: Redis is behind", update.job_id,
                         update.status)

    async def _send_updates(self) -> None:
        failures = 0
        while True:
            front_id, update = await self._updates.get()
            while True:
                try:
                    await self._send(front_id, update)
                    failures = 0
                    break
                except RedisUnavailable as exc:
                    failures += 1
                    await backoff(failures, self.max_retry, "sending a job update", exc)

    async def _send(self, front_id: str, update: JobUpdate) -> None:
        key = updates_key(front_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(key, {"update": json.dumps(update.to_dict())}, maxlen=UPDATES_MAXLEN,
                      approximate=True)
            pipe.expire(key, UPDATES_TTL_SECONDS)
            await pipe.execute()

    async def _flush_updates(self) -> None:
        while not self._updates.empty():
            front_id, update = self._updates.get_nowait()
            with contextlib.suppress(*RedisUnavailable):
                await self._send(front_id, update)

    def stats(self) -> dict[str, Any]:
        return {"kind": "redis", "key": self.key, "heartbeats": self.heartbeats,
                "calls_taken": self.taken, "calls_rejected": self.rejected,
                "ping_interval": self.ping_interval}


