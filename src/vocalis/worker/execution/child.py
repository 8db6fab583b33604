"""The main of a pooled child process: initialize once, say ready, run tasks until told to stop.

The child ignores SIGINT and SIGTERM (the terminal and service managers signal the whole
process group; the pool decides how its children end). When the pool's end of the control
channel closes (the parent died, even by ``kill -9``), the child cancels its tasks, which
close their calls, and exits: no orphan keeps a call open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import socket
import sys
from typing import Any

from .channel import ChannelClosed, ControlChannel
from .job_process import JobProcess
from .runtime import TaskRuntime, initialize_resource
from .types import TaskResult, TaskStatus

logger = logging.getLogger("vocalis.worker.child")

HEARTBEAT_SECONDS = 0.5
"""How often a child reports that its event loop is alive."""

ORPHAN_CLOSE_SECONDS = 3.0
"""Seconds an orphaned child gives its tasks to close their calls before it exits."""


def child_main(resource_id: str, sock: socket.socket, config: dict[str, Any]) -> None:
    """Entry point of the child process (``multiprocessing.Process`` target)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(
        level=str(config.get("log_level", "INFO")).upper(),
        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s",
    )
    code = 0
    try:
        asyncio.run(ChildLoop(resource_id, sock, config).run())
    except BaseException:
        logger.exception("pooled process %s failed", resource_id)
        code = 1
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        # Threads still blocked in a task (a sync entrypoint that never returns) must not keep
        # the process alive.
        os._exit(code)


class ChildLoop:
    """The child's event loop body (see the module docstring)."""

    def __init__(self, resource_id: str, sock: socket.socket, config: dict[str, Any]) -> None:
        self.resource_id = resource_id
        self.sock = sock
        self.config = config
        self.proc = JobProcess(resource_id)
        self.channel: ControlChannel | None = None
        self.runtime = TaskRuntime(self._send_result, self.proc)

    async def run(self) -> None:
        self.channel = await ControlChannel.open(self.sock)
        try:
            await initialize_resource(self.proc, self.config.get("initialize_process_fnc"))
        except Exception as exc:
            logger.exception("initializing %s failed", self.resource_id)
            self.channel.send({"type": "init_failed", "error": f"{type(exc).__name__}: {exc}"})
            await self.channel.drain()
            return
        self.channel.send({"type": "ready", "pid": os.getpid()})
        beat = asyncio.ensure_future(self._heartbeats())
        try:
            await self._serve()
        finally:
            await self.proc.aclose()
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _serve(self) -> None:
        assert self.channel is not None
        while True:
            try:
                message = await self.channel.receive()
            except ChannelClosed:
                logger.warning("%s: the pool is gone; ending %d task(s)", self.resource_id,
                               self.runtime.active)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.runtime.aclose("worker_lost"),
                                           ORPHAN_CLOSE_SECONDS)
                return
            kind = message.get("type")
            if kind == "task":
                self._start_task(message)
            elif kind == "cancel":
                self.runtime.cancel(str(message["task_id"]), str(message.get("reason", "")))
            elif kind == "shutdown":
                await self.runtime.aclose(str(message.get("reason", "shutdown")))
                with contextlib.suppress(ChannelClosed):
                    await self.channel.drain()
                return

    def _start_task(self, message: dict[str, Any]) -> None:
        task_id = str(message["task_id"])
        try:
            entrypoint, args, kwargs = pickle.loads(message["payload"])
        except Exception as exc:
            self._send_result(TaskResult(task_id, TaskStatus.FAILED,
                                         error=f"cannot load the task: {type(exc).__name__}: {exc}"))
            return
        self.runtime.start(task_id, entrypoint, args, kwargs, float(message["timeout"]))

    def _send_result(self, result: TaskResult) -> None:
        if self.channel is None:
            return
        message = {"type": "result", "result": result}
        try:
            pickle.dumps(message)
        except Exception as exc:
            result = TaskResult(result.task_id, TaskStatus.FAILED,
                                error=f"the task's result cannot be sent back: {exc}",
                                execution_time=result.execution_time)
            message = {"type": "result", "result": result}
        with contextlib.suppress(ChannelClosed):
            self.channel.send(message)

    async def _heartbeats(self) -> None:
        assert self.channel is not None
        while True:
            with contextlib.suppress(ChannelClosed):
                self.channel.send({
                    "type": "heartbeat", "active": self.runtime.active,
                    "completed": self.runtime.completed, "report": self.proc.report(),
                })
            await asyncio.sleep(float(self.config.get("heartbeat_seconds", HEARTBEAT_SECONDS)))
