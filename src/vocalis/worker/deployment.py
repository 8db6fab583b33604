"""``Deployment``: one process of a production deployment, and how it starts and stops.

Roles:
- ``all`` (``vocalis start``): the transports (a ``FrontServer``) and a ``Worker`` pool in one
  process. Without Redis the front hands calls straight to its pool; with ``REDIS_URL`` the
  worker registers and the front dispatches through Redis, so other machines share the load.
- ``front``: transports only; calls go to registered workers (needs Redis).
- ``worker``: a pool only, registered in Redis; it takes calls from any front.

With ``history``, the calls are recorded by the worker processes that run them (see
``agent_target``). Every role serves ``/health``, ``/stats`` and ``/debug`` on ``WorkerOptions.host:port``.
Stopping: the first SIGTERM or SIGINT drains (``/health`` answers 503, no new calls, running
calls get ``close_timeout`` to finish, then the rest are ended with "server_shutdown"); a
second signal stops at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
from collections.abc import Callable
from enum import Enum
from typing import Any

from ..job.options import RoomOptions, is_loopback_host
from ..storage import StorageConfig
from ..transports.server import RouteInstaller
from .http import HealthServer
from .options import WorkerOptions
from .worker import END_JOBS_SECONDS, Worker

logger = logging.getLogger("vocalis.worker")

STOP_NOW_GRACE = 2.0
"""After a second signal, seconds the calls get to close before the processes are killed."""


class Role(str, Enum):
    ALL = "all"
    FRONT = "front"
    WORKER = "worker"


class Deployment:
    """See the module docstring. ``ready(deployment)`` is called once everything listens."""

    def __init__(
        self, options: WorkerOptions, room_options: RoomOptions | None = None, *,
        role: Role | str = Role.ALL, link_host: str | None = None, link_port: int = 0,
        link_advertise: str | None = None, routes: list[RouteInstaller] | None = None,
        ready: Callable[[Deployment], Any] | None = None,
        history: StorageConfig | None = None,
    ) -> None:
        self.role = Role(role)
        redis = options.redis_url
        if self.role is not Role.ALL and not redis:
            raise ValueError(f"--role {self.role.value} works with a Redis registry: set "
                             "REDIS_URL (for example redis://localhost:6379/0)")
        if self.role is not Role.FRONT and redis and not options.register:
            options = dataclasses.replace(options, register=True)
        self.options = options
        self.room_options = room_options or RoomOptions()
        self.link_host = link_host if link_host is not None or not redis else "127.0.0.1"
        self.link_port = link_port
        self.link_advertise = link_advertise
        self.routes = routes
        self.ready = ready
        self.history = history
        self.worker: Worker | None = None
        self.front: Any = None
        self.dispatcher: Any = None
        self.health: HealthServer | None = None
        self.failure = ""
        self._stop = asyncio.Event()
        self._now = asyncio.Event()
        self._signals = 0

    # ---- running -----------------------------------------------------------------------------

    def run(self) -> int:
        """Run until stopped by signals (the process entry point); returns the exit code (1
        when the process stopped because it lost its registry)."""
        logging.basicConfig(level=self.options.log_level.upper())
        asyncio.run(self.arun())
        return 1 if self.failure else 0

    async def arun(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        try:
            await self.start()
            if self.ready is not None:
                self.ready(self)
            await self._stop.wait()
            await self.drain()
        finally:
            await self.aclose()

    def fail(self, reason: str) -> None:
        """Something this process cannot do without (Redis, after ``max_retry``) is gone: drain
        and stop, so that a supervisor restarts it."""
        logger.error("stopping: %s", reason)
        self.failure = reason
        self._stop.set()

    def request_stop(self) -> None:
        """The first call drains, the second stops now."""
        self._signals += 1
        if self._signals == 1:
            logger.info("draining: no new calls; running calls get %.0f s (signal again to "
                        "stop now)", self.options.close_timeout)
            self._stop.set()
        else:
            logger.info("stopping now")
            self._now.set()

    async def start(self) -> None:
        o = self.options
        if self.role is not Role.FRONT:
            self.worker = Worker(o, self.room_options, on_fatal=self.fail, history=self.history)
            await self.worker.initialize()
        if self.role is not Role.WORKER:
            from .front.server import FrontServer

            if o.redis_url:
                from .dispatch.redis_front import RedisDispatcher

                self.dispatcher = RedisDispatcher(o.redis_url, agent_id=o.agent_id,
                                                  max_retry=o.max_retry, on_fatal=self.fail)
                await self.dispatcher.start()
            else:
                from .dispatch.local import LocalDispatcher

                assert self.worker is not None
                self.dispatcher = LocalDispatcher(self.worker)
            self.front = FrontServer(
                self.room_options, self.dispatcher, agent_id=o.agent_id,
                link_host=self.link_host, link_port=self.link_port,
                link_advertise=self.link_advertise, routes=self.routes,
                front_id=getattr(self.dispatcher, "front_id", ""),
            )
            await self.front.start()
            if self.role is Role.FRONT and self.link_host and is_loopback_host(self.link_host):
                logger.warning(
                    "workers dial this front at %s, which only this machine can reach: for "
                    "workers on other machines pass --link-host 0.0.0.0 --link-advertise "
                    "<this machine's address>", self.front.listener.address)
        self.health = HealthServer(host=o.host, port=o.port, worker=self.worker,
                                   front=self.front,
                                   access_token=o.access_token or self.room_options.access_token)
        await self.health.start()

    async def drain(self) -> None:
        """No new calls; wait up to ``close_timeout`` for the running ones (or a second
        signal)."""
        if self.health is not None:
            self.health.stopping = True
        if self.front is not None:
            self.front.drain()
        if self.worker is not None:
            self.worker.stop_taking_calls()
        waiting = asyncio.ensure_future(self._wait_for_calls())
        now = asyncio.ensure_future(self._now.wait())
        try:
            await asyncio.wait({waiting, now}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
            now.cancel()

    async def _wait_for_calls(self) -> None:
        timeout = self.options.close_timeout
        if self.front is not None:
            await self.front.wait_for_calls(timeout)
        elif self.worker is not None:
            await self.worker.drain(timeout)

    async def aclose(self, grace: float | None = None) -> None:
        """End what is left (the calls get ``grace`` seconds to close) and stop everything."""
        if grace is None:
            grace = STOP_NOW_GRACE if self._now.is_set() else END_JOBS_SECONDS
        if self.front is not None:
            await self.front.aclose()
        if self.worker is not None:
            await self.worker.shutdown(grace)
        if self.dispatcher is not None and hasattr(self.dispatcher, "aclose"):
            await self.dispatcher.aclose()
        if self.health is not None:
            await self.health.aclose()
