"""``ThreadResource``: a pooled thread with its own event loop, running tasks like a process.

No isolation: a crash or a leak takes this whole process, and a thread cannot be killed. What
it does detect: a task that outlives its timeout and an event loop that stopped beating; the
thread is then abandoned (marked ERROR, replaced) and its tasks fail with the reason. Messages
cross threads only through ``call_soon_threadsafe`` (the reference shared ``asyncio.Queue``s
between loops, which is not thread-safe).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ...utils.tasks import TaskGroup
from .job_process import JobProcess
from .resource import KILL_GRACE, BaseResource
from .runtime import TaskRuntime, initialize_resource
from .types import ResourceType, TaskConfig, TaskResult, TaskStatus

logger = logging.getLogger("vocalis.worker.execution")

HEARTBEAT_SECONDS = 0.5
STOP_SECONDS = 5.0


class ThreadResource(BaseResource):
    """A thread running tasks on its own loop (see the module docstring)."""

    def __init__(self, resource_id: str, config: dict[str, Any]) -> None:
        super().__init__(resource_id, config)
        self.thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runtime: TaskRuntime | None = None
        self._pending: dict[str, asyncio.Future[TaskResult]] = {}
        self._owner_loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._tasks = TaskGroup(f"vocalis.worker.{resource_id}")

    @property
    def resource_type(self) -> ResourceType:
        return ResourceType.THREAD

    async def _initialize_impl(self) -> None:
        self._owner_loop = asyncio.get_running_loop()
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self.thread = threading.Thread(target=self._thread_main, args=(ready,),
                                       name=f"vocalis-{self.resource_id}", daemon=True)
        self.thread.start()
        timeout = float(self.config.get("initialize_timeout", 10.0))
        try:
            await asyncio.wait_for(asyncio.wrap_future(ready), timeout)
        except TimeoutError:
            raise TimeoutError(f"thread {self.resource_id}: not ready within {timeout:g} s") from None
        self._tasks.spawn(self._watch(), name=f"vocalis.worker.{self.resource_id}.watch")

    def _thread_main(self, ready: concurrent.futures.Future[None]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._thread_body(ready))
        finally:
            loop.close()

    async def _thread_body(self, ready: concurrent.futures.Future[None]) -> None:
        proc = JobProcess(self.resource_id)
        try:
            await initialize_resource(proc, self.config.get("initialize_process_fnc"))
        except Exception as exc:
            ready.set_exception(RuntimeError(f"thread {self.resource_id} failed to initialize: "
                                             f"{type(exc).__name__}: {exc}"))
            return
        self._runtime = TaskRuntime(self._result_from_thread, proc)
        self._stop = asyncio.Event()
        ready.set_result(None)
        while not self._stop.is_set():
            self.last_heartbeat = time.time()
            self.report = proc.report()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), HEARTBEAT_SECONDS)
        await self._runtime.aclose("server_shutdown")
        await proc.aclose()

    def _result_from_thread(self, result: TaskResult) -> None:
        if self._owner_loop is not None and not self._owner_loop.is_closed():
            self._owner_loop.call_soon_threadsafe(self._resolve, result)

    def _resolve(self, result: TaskResult) -> None:
        future = self._pending.get(result.task_id)
        if future is not None and not future.done():
            future.set_result(result)

    async def _execute_task_impl(
        self, task_id: str, config: TaskConfig, entrypoint: Callable[..., Any],
        args: tuple[Any, ...], kwargs: dict[str, Any],
    ) -> TaskResult:
        loop, runtime = self._loop, self._runtime
        if loop is None or runtime is None or loop.is_closed():
            return TaskResult(task_id, TaskStatus.FAILED, error=f"thread {self.resource_id} is gone")
        future: asyncio.Future[TaskResult] = asyncio.get_running_loop().create_future()
        self._pending[task_id] = future
        loop.call_soon_threadsafe(runtime.start, task_id, entrypoint, args, kwargs, config.timeout)
        try:
            return await asyncio.wait_for(asyncio.shield(future), config.timeout + KILL_GRACE)
        except TimeoutError:
            self._abandon(f"task {task_id} still running {KILL_GRACE:g} s after its "
                          f"{config.timeout:g} s timeout")
            return await future
        finally:
            self._pending.pop(task_id, None)

    def _cancel_impl(self, task_id: str, reason: str) -> None:
        loop, runtime = self._loop, self._runtime
        if loop is not None and runtime is not None and not loop.is_closed():
            loop.call_soon_threadsafe(runtime.cancel, task_id, reason)

    async def _watch(self) -> None:
        unresponsive = float(self.config.get("health_check_interval", 5.0))
        while self.is_alive:
            await asyncio.sleep(0.25)
            if self.thread is not None and not self.thread.is_alive():
                self._abandon("thread exited")
            elif time.time() - self.last_heartbeat > unresponsive:
                self._abandon(f"unresponsive: no heartbeat for {unresponsive:g} s "
                              "(event loop blocked)")

    def terminate(self) -> None:
        """Ask the thread's loop to stop (a thread cannot be killed; it is a daemon)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)

    def fail(self, reason: str) -> None:
        self._abandon(reason)

    def _abandon(self, reason: str) -> None:
        """Give up on the thread (it cannot be killed): fail its tasks and report the exit."""
        for task_id, future in list(self._pending.items()):
            if not future.done():
                future.set_result(TaskResult(task_id, TaskStatus.FAILED,
                                             error=f"worker thread {reason}"))
        self._died(reason)

    async def _shutdown_impl(self, timeout: float) -> None:
        pending = [f for f in self._pending.values() if not f.done()]
        if pending and timeout > 0:
            await asyncio.wait(pending, timeout=timeout)
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        if self.thread is not None:
            await asyncio.to_thread(self.thread.join, STOP_SECONDS)
        for task_id, future in list(self._pending.items()):
            if not future.done():
                future.set_result(TaskResult(task_id, TaskStatus.FAILED,
                                             error="worker thread shut down"))
        await self._tasks.aclose()
