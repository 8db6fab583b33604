"""``ProcessResource``: a pooled child process, watched from the pool.

The child is started once (forkserver on Linux, with Vocalis preloaded, so a replacement is
ready in tens of milliseconds plus the agent's own initializer; spawn elsewhere) and runs
tasks until it is shut down. The pool watches it twice a second: a child that exited
(crash, ``os.abort()``, ``kill -9``), that went over ``memory_limit_mb``, or whose event loop
sent no heartbeat for ``health_check_interval`` seconds is killed if needed and reported
through ``on_exit``; each of its tasks ends FAILED with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import pickle
import signal
import socket
import sys
import time
from collections.abc import Callable
from functools import cache
from multiprocessing.context import BaseContext
from typing import Any

import psutil

from ...utils.tasks import TaskGroup
from .channel import ChannelClosed, ControlChannel
from .child import HEARTBEAT_SECONDS, child_main
from .resource import KILL_GRACE, BaseResource
from .types import ResourceType, TaskConfig, TaskResult, TaskStatus

logger = logging.getLogger("vocalis.worker.execution")

MONITOR_SECONDS = 0.25
"""How often the pool looks at a child's liveness and memory."""

STOP_SECONDS = 5.0
"""After ``shutdown``, seconds a child has to exit before it is killed."""

PRELOAD = ["vocalis", "vocalis.job", "vocalis.worker.execution.child", "vocalis.worker.link"]
"""Modules the forkserver imports once, so every child starts with them loaded."""


@cache
def process_context() -> BaseContext:
    """The multiprocessing context for pooled children."""
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def describe_exit(exitcode: int | None) -> str:
    """``-6`` → "crashed (SIGABRT)"; ``1`` → "exited with code 1"."""
    if exitcode is None:
        return "stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"crashed ({name})" if name in ("SIGSEGV", "SIGABRT", "SIGBUS", "SIGFPE",
                                               "SIGILL") else f"killed ({name})"
    return f"exited with code {exitcode}"


class ProcessResource(BaseResource):
    """A child process running tasks (see the module docstring)."""

    def __init__(self, resource_id: str, config: dict[str, Any]) -> None:
        super().__init__(resource_id, config)
        self.process: multiprocessing.process.BaseProcess | None = None
        self._channel: ControlChannel | None = None
        self._pending: dict[str, asyncio.Future[TaskResult]] = {}
        self._tasks = TaskGroup(f"vocalis.worker.{resource_id}")
        self._kill_reason = ""
        self._psutil: psutil.Process | None = None
        self._memory_mb = 0.0
        self._warned_memory = False
        self._exited = asyncio.Event()

    @property
    def resource_type(self) -> ResourceType:
        return ResourceType.PROCESS

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    # ---- start -------------------------------------------------------------------------------

    async def _initialize_impl(self) -> None:
        parent_sock, child_sock = socket.socketpair()
        child_config = {
            "initialize_process_fnc": self.config.get("initialize_process_fnc"),
            "log_level": self.config.get("log_level", "INFO"),
            "heartbeat_seconds": min(HEARTBEAT_SECONDS,
                                     float(self.config.get("health_check_interval", 5.0)) / 4),
        }
        self.process = process_context().Process(
            target=child_main, args=(self.resource_id, child_sock, child_config),
            name=f"vocalis-{self.resource_id}",
        )
        await asyncio.to_thread(self.process.start)
        child_sock.close()
        self._psutil = psutil.Process(self.process.pid)
        self._channel = await ControlChannel.open(parent_sock)
        timeout = float(self.config.get("initialize_timeout", 10.0))
        try:
            message = await asyncio.wait_for(self._channel.receive(), timeout)
        except (TimeoutError, ChannelClosed) as exc:
            await self._kill_now()
            why = f"not ready within {timeout:g} s" if isinstance(exc, TimeoutError) else (
                f"{describe_exit(self.process.exitcode)} while starting")
            raise TimeoutError(f"process {self.resource_id}: {why}") from None
        if message.get("type") != "ready":
            await self._kill_now()
            raise RuntimeError(f"process {self.resource_id} failed to initialize: "
                               f"{message.get('error', message)}")
        logger.info("process %s ready (pid %s)", self.resource_id, self.process.pid)
        self._tasks.spawn(self._read_loop(), name=f"vocalis.worker.{self.resource_id}.read")
        self._tasks.spawn(self._watch(), name=f"vocalis.worker.{self.resource_id}.watch")

    # ---- tasks -------------------------------------------------------------------------------

    async def _execute_task_impl(
        self, task_id: str, config: TaskConfig, entrypoint: Callable[..., Any],
        args: tuple[Any, ...], kwargs: dict[str, Any],
    ) -> TaskResult:
        try:
            payload = pickle.dumps((entrypoint, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            return TaskResult(task_id, TaskStatus.FAILED,
                              error=f"the task cannot be sent to a process (not picklable: {exc})")
        future: asyncio.Future[TaskResult] = asyncio.get_running_loop().create_future()
        self._pending[task_id] = future
        try:
            assert self._channel is not None
            self._channel.send({"type": "task", "task_id": task_id, "payload": payload,
                                "timeout": config.timeout})
        except (ChannelClosed, AssertionError):
            self._pending.pop(task_id, None)
            return TaskResult(task_id, TaskStatus.FAILED,
                              error=f"process {self.resource_id} is gone")
        try:
            return await asyncio.wait_for(asyncio.shield(future), config.timeout + KILL_GRACE)
        except TimeoutError:
            self.kill(f"task {task_id} still running {KILL_GRACE:g} s after its "
                      f"{config.timeout:g} s timeout")
            return await future
        finally:
            self._pending.pop(task_id, None)

    def _cancel_impl(self, task_id: str, reason: str) -> None:
        if self._channel is not None and task_id in self._pending:
            with contextlib.suppress(ChannelClosed):
                self._channel.send({"type": "cancel", "task_id": task_id, "reason": reason})

    async def _read_loop(self) -> None:
        assert self._channel is not None
        try:
            while True:
                message = await self._channel.receive()
                kind = message.get("type")
                if kind == "result":
                    result: TaskResult = message["result"]
                    future = self._pending.get(result.task_id)
                    if future is not None and not future.done():
                        future.set_result(result)
                elif kind == "heartbeat":
                    self.last_heartbeat = time.time()
                    self.report = dict(message.get("report") or {})
        except ChannelClosed:
            await self._reap()

    # ---- watching ----------------------------------------------------------------------------

    async def _watch(self) -> None:
        limit = float(self.config.get("memory_limit_mb", 0.0))
        warn = float(self.config.get("memory_warn_mb", 0.0))
        unresponsive = float(self.config.get("health_check_interval", 5.0))
        while not self._exited.is_set():
            await asyncio.sleep(MONITOR_SECONDS)
            if self.process is None or not self.process.is_alive():
                await self._reap()
                return
            memory = self._read_memory()
            if limit and memory > limit:
                self.kill(f"memory limit exceeded ({memory:.0f} MB > {limit:g} MB)")
            elif warn and memory > warn and not self._warned_memory:
                self._warned_memory = True
                logger.warning("process %s uses %.0f MB (memory_warn_mb=%g)", self.resource_id,
                               memory, warn)
            silent = time.time() - self.last_heartbeat
            if silent > unresponsive and not self._kill_reason:
                self.kill(f"unresponsive: no heartbeat for {silent:.1f} s (event loop blocked)")

    def _read_memory(self) -> float:
        if self._psutil is not None:
            with contextlib.suppress(psutil.Error):
                self._memory_mb = self._psutil.memory_info().rss / (1024 * 1024)
        return self._memory_mb

    def memory_mb(self) -> float:
        return self._memory_mb

    def cpu_percent(self) -> float:
        try:
            return self._psutil.cpu_percent(None) if self._psutil is not None else 0.0
        except psutil.Error:
            return 0.0

    def fail(self, reason: str) -> None:
        self.kill(reason)

    def terminate(self) -> None:
        if self.process is not None and self.process.pid is not None and self.process.is_alive():
            self.process.kill()
            self.process.join(STOP_SECONDS)

    def kill(self, reason: str) -> None:
        """Kill the child now (SIGKILL); its tasks fail with ``reason``."""
        if self._kill_reason:
            return
        self._kill_reason = reason
        logger.warning("killing process %s: %s", self.resource_id, reason)
        if self.process is not None and self.process.is_alive():
            with contextlib.suppress(ProcessLookupError, OSError):
                self.process.kill()

    async def _reap(self) -> None:
        """The child is gone (or going): collect it, fail its tasks, report the exit."""
        if self._exited.is_set():
            return
        self._exited.set()
        if self.process is not None:
            await asyncio.to_thread(self.process.join, STOP_SECONDS)
            if self.process.is_alive():
                self.process.kill()
                await asyncio.to_thread(self.process.join, STOP_SECONDS)
        reason = self._kill_reason or describe_exit(
            self.process.exitcode if self.process is not None else None)
        self._fail_pending(f"worker process {reason}")
        if self._channel is not None:
            self._channel.close()
        self._died(reason)

    # ---- stop --------------------------------------------------------------------------------

    async def _shutdown_impl(self, timeout: float) -> None:
        """Let running tasks finish within ``timeout``, then stop the child."""
        pending = [f for f in self._pending.values() if not f.done()]
        if pending and timeout > 0:
            await asyncio.wait(pending, timeout=timeout)
        if self._channel is not None and not self._exited.is_set():
            with contextlib.suppress(ChannelClosed):
                self._channel.send({"type": "shutdown", "reason": "server_shutdown"})
        if self.process is not None:
            await asyncio.to_thread(self.process.join, STOP_SECONDS)
        await self._kill_now()
        self._exited.set()
        self._fail_pending("worker process shut down")
        if self._channel is not None:
            self._channel.close()
        await self._tasks.aclose()

    def _fail_pending(self, error: str) -> None:
        for task_id, future in list(self._pending.items()):
            if not future.done():
                future.set_result(TaskResult(task_id, TaskStatus.FAILED, error=error))

    async def _kill_now(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            await asyncio.to_thread(self.process.join, STOP_SECONDS)
