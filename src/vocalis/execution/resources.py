"""Resources that run tasks: a thread with its own event loop, or a child process.

``execute_task`` runs ``entrypoint(*args, **kwargs)`` (a coroutine function is run to its end)
and returns a ``TaskResult``; it never raises for the task's own failure or timeout. A process
resource needs a picklable entrypoint (a module-level function) and runs one task at a time;
a task that times out costs the process its life (it is replaced). The reference's
``DedicatedInferenceResource`` ignored the entrypoint it was given; here it runs it, in the one
long-lived process shared by every job.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import multiprocessing
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from .types import ResourceInfo, ResourceStatus, ResourceType, TaskConfig, TaskResult, TaskStatus

PING_TIMEOUT = 5.0


class TaskFailed(Exception):
    """The task raised in the child process (the message is the child's error)."""


class BaseResource(ABC):
    """One pooled worker (see the module docstring)."""

    def __init__(self, resource_id: str, config: dict[str, Any]) -> None:
        self.resource_id = resource_id
        self.config = dict(config)
        self.status = ResourceStatus.INITIALIZING
        self.last_heartbeat = 0.0
        self.total_tasks = 0
        self._shutdown = False

    @property
    @abstractmethod
    def resource_type(self) -> ResourceType: ...

    @property
    def is_available(self) -> bool:
        return self.status is ResourceStatus.IDLE and not self._shutdown

    async def initialize(self) -> None:
        try:
            await self._initialize_impl()
        except BaseException:
            self.status = ResourceStatus.ERROR
            raise
        self.status = ResourceStatus.IDLE
        self.last_heartbeat = time.time()

    async def execute_task(
        self,
        task_id: str,
        config: TaskConfig,
        entrypoint: Callable[..., Any],
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> TaskResult:
        """Run the task; failures and timeouts come back as a FAILED result."""
        self.status = ResourceStatus.BUSY
        started = time.perf_counter()
        try:
            value = await self._execute_task_impl(task_id, config, entrypoint, args, kwargs or {})
            result = TaskResult(task_id, TaskStatus.COMPLETED, result=value)
        except TimeoutError:
            result = TaskResult(task_id, TaskStatus.FAILED,
                                error=f"task {task_id} timed out after {config.timeout:g} s")
        except Exception as exc:
            error = str(exc) if isinstance(exc, TaskFailed) else f"{type(exc).__name__}: {exc}"
            result = TaskResult(task_id, TaskStatus.FAILED, error=error)
        result.execution_time = time.perf_counter() - started
        self.total_tasks += 1
        if self.status is ResourceStatus.BUSY:
            self.status = ResourceStatus.ERROR if self._broken() else ResourceStatus.IDLE
        return result

    def _broken(self) -> bool:
        """Whether the resource can no longer take tasks (the pool replaces it)."""
        return False

    async def shutdown(self) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        self.status = ResourceStatus.SHUTTING_DOWN
        await self._shutdown_impl()

    async def health_check(self) -> bool:
        return not self._shutdown and self.status is not ResourceStatus.ERROR

    def get_info(self) -> ResourceInfo:
        busy = self.status is ResourceStatus.BUSY
        return ResourceInfo(
            self.resource_id, self.resource_type, self.status, current_load=1.0 if busy else 0.0,
            active_tasks=int(busy), total_tasks_processed=self.total_tasks,
            last_heartbeat=self.last_heartbeat,
        )

    @abstractmethod
    async def _initialize_impl(self) -> None: ...

    @abstractmethod
    async def _execute_task_impl(
        self, task_id: str, config: TaskConfig, entrypoint: Callable[..., Any],
        args: tuple[Any, ...], kwargs: dict[str, Any],
    ) -> Any: ...

    @abstractmethod
    async def _shutdown_impl(self) -> None: ...


async def _call(entrypoint: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    result = entrypoint(*args, **kwargs)
    return await result if inspect.isawaitable(result) else result


class ThreadResource(BaseResource):
    """A daemon thread running its own event loop; tasks run on that loop."""

    def __init__(self, resource_id: str, config: dict[str, Any]) -> None:
        super().__init__(resource_id, config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def resource_type(self) -> ResourceType:
        return ResourceType.THREAD

    async def _initialize_impl(self) -> None:
        loop = asyncio.new_event_loop()
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(started.set)
            loop.run_forever()
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name=self.resource_id, daemon=True)
        self._thread.start()
        timeout = float(self.config.get("initialize_timeout", 10.0))
        if not await asyncio.to_thread(started.wait, timeout):
            raise TimeoutError(f"thread {self.resource_id} did not start within {timeout:g} s")

    async def _execute_task_impl(self, task_id, config, entrypoint, args, kwargs):  # type: ignore[no-untyped-def]
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(_call(entrypoint, args, kwargs), self._loop)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), config.timeout)
        finally:
            future.cancel()

    async def health_check(self) -> bool:
        alive = self._thread is not None and self._thread.is_alive()
        if alive:
            self.last_heartbeat = time.time()
        return alive and await super().health_check()

    async def _shutdown_impl(self) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, float(self.config.get("close_timeout", 60.0)))


def _process_main(tasks: Any, results: Any) -> None:
    """The child process: run tasks from ``tasks`` until ``None``, answer pings."""
    results.put({"type": "ready"})
    while True:
        item = tasks.get()
        if item is None:
            return
        if item.get("type") == "ping":
            results.put({"type": "ping_response"})
            continue
        reply: dict[str, Any] = {"type": "result", "task_id": item["task_id"]}
        try:
            entrypoint, args, kwargs = item["entrypoint"], item["args"], item["kwargs"]
            if inspect.iscoroutinefunction(entrypoint):
                reply["result"] = asyncio.run(entrypoint(*args, **kwargs))
            else:
                reply["result"] = entrypoint(*args, **kwargs)
            reply["status"] = "success"
        except Exception as exc:
            reply.update(status="error", error=f"{type(exc).__name__}: {exc}")
        try:
            results.put(reply)
        except Exception as exc:  # the result cannot be pickled
            results.put({"type": "result", "task_id": item["task_id"], "status": "error",
                         "error": f"the result cannot be sent back: {exc}"})


class ProcessResource(BaseResource):
    """A child process (``spawn``) that runs one task at a time."""

    init_timeout_key = "initialize_timeout"

    def __init__(self, resource_id: str, config: dict[str, Any]) -> None:
        super().__init__(resource_id, config)
        self.process: Any = None
        self._tasks: Any = None
        self._results: Any = None
        self._lock = asyncio.Lock()
        self._failed = False

    @property
    def resource_type(self) -> ResourceType:
        return ResourceType.PROCESS

    async def _initialize_impl(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._tasks, self._results = context.Queue(), context.Queue()
        self.process = context.Process(target=_process_main, args=(self._tasks, self._results),
                                       name=self.resource_id, daemon=True)
        self.process.start()
        timeout = float(self.config.get(self.init_timeout_key, 10.0))
        reply = await self._reply(timeout)
        if reply.get("type") != "ready":
            raise RuntimeError(f"process {self.resource_id} did not start: {reply}")

    async def _reply(self, timeout: float) -> dict[str, Any]:
        """The child's next message; TimeoutError after ``timeout``, RuntimeError if it died."""
        deadline = time.monotonic() + timeout

        def wait() -> dict[str, Any]:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no answer from {self.resource_id} within {timeout:g} s")
                try:
                    return self._results.get(timeout=min(0.2, left))
                except queue.Empty:
                    if not self.process.is_alive():
                        raise RuntimeError(f"process {self.resource_id} exited") from None

        return await asyncio.to_thread(wait)

    def _broken(self) -> bool:
        return self._failed

    async def _execute_task_impl(self, task_id, config, entrypoint, args, kwargs):  # type: ignore[no-untyped-def]
        async with self._lock:
            self._tasks.put({"type": "task", "task_id": task_id, "entrypoint": entrypoint,
                             "args": tuple(args), "kwargs": dict(kwargs)})
            try:
                reply = await self._reply(config.timeout)
            except (TimeoutError, RuntimeError):
                self._failed = True  # still busy or gone: the pool replaces it
                raise
        if reply.get("status") != "success":
            raise TaskFailed(reply.get("error", "task failed"))
        return reply.get("result")

    async def health_check(self) -> bool:
        if self._failed or self._shutdown or self.process is None or not self.process.is_alive():
            return False
        if self.status is ResourceStatus.BUSY:
            return True
        async with self._lock:
            self._tasks.put({"type": "ping"})
            try:
                reply = await self._reply(PING_TIMEOUT)
            except (TimeoutError, RuntimeError):
                return False
        if reply.get("type") == "ping_response":
            self.last_heartbeat = time.time()
            return await super().health_check()
        return False

    async def _shutdown_impl(self) -> None:
        if self.process is None:
            return
        if self._failed:  # still running a timed-out task: no graceful exit to wait for
            self.process.terminate()
        with contextlib.suppress(Exception):
            self._tasks.put(None)
        await asyncio.to_thread(self.process.join, float(self.config.get("close_timeout", 60.0)))
        if self.process.is_alive():
            self.process.terminate()
            await asyncio.to_thread(self.process.join, 5.0)
        if self.process.is_alive():
            self.process.kill()


class DedicatedInferenceResource(ProcessResource):
    """The one long-lived process INFERENCE tasks share (``inference_process_timeout``: 30 s to
    start, for loading models)."""

    init_timeout_key = "inference_process_timeout"
