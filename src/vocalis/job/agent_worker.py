"""``Worker`` and ``WorkerOptions``: the reference's long-running agent process, self-hosted.

``Worker.run_worker(WorkerOptions(entrypoint_fnc=entrypoint))`` serves the agent on every
transport until Ctrl+C: each connection runs ``entrypoint`` as its own job, at most
``max_processes`` at once. In the reference, jobs came from the VideoSDK registry
(``register=True``); here clients connect to the server, so ``register=True`` raises. The
process-pool settings are accepted for ported code; jobs run as tasks of the server's loop.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..execution.types import DEFAULT_EXECUTOR_TYPE, ExecutorType
from ..transports import optional_webrtc_routes
from ..transports.server import AgentServer, build_server
from .options import RoomOptions
from .serving import serve_entrypoint

logger = logging.getLogger("vocalis.job")

REGISTRY_UNAVAILABLE = (
    "register=True dispatches jobs from the VideoSDK registry, which self-hosted Vocalis does "
    "not use: keep register=False and let clients connect to the server (vocalis serve)"
)


class WorkerType(Enum):
    ROOM = "room"


@dataclass
class WorkerOptions:
    """The reference's worker settings (same names and defaults)."""

    entrypoint_fnc: Callable[..., Any]
    request_fnc: Callable[..., Any] | None = None
    initialize_process_fnc: Callable[..., Any] | None = None
    executor_type: ExecutorType = DEFAULT_EXECUTOR_TYPE
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

    def __post_init__(self) -> None:
        if not inspect.iscoroutinefunction(self.entrypoint_fnc):
            raise TypeError("entrypoint_fnc must be a coroutine function")
        if self.register:
            raise ValueError(REGISTRY_UNAVAILABLE)
        if self.max_processes < 1:
            raise ValueError("max_processes must be >= 1")


class Worker:
    """Serves ``options.entrypoint_fnc``; one job per connection (see the module docstring)."""

    def __init__(
        self, options: WorkerOptions, default_room_options: RoomOptions | None = None
    ) -> None:
        self.options = options
        self.default_room_options = default_room_options
        self.server: AgentServer | None = None
        self._draining = False

    def room_options(self) -> RoomOptions:
        """The server's options: ``default_room_options`` (copied) or the defaults, with at
        most ``max_processes`` concurrent sessions."""
        if self.default_room_options is not None:
            return copy.deepcopy(self.default_room_options)
        return RoomOptions(max_sessions=self.options.max_processes)

    async def initialize(self, default_room_options: RoomOptions | None = None) -> None:
        """Start listening."""
        if default_room_options is not None:
            self.default_room_options = default_room_options
        self.server = build_server(self.options.entrypoint_fnc, room_options=self.room_options(),
                                   routes=optional_webrtc_routes())
        await self.server.start()

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until the current sessions end (new connections are still served)."""
        self._draining = True

        async def quiet() -> None:
            while self.server is not None and self.server.active_sessions:
                await asyncio.sleep(1.0)

        try:
            await asyncio.wait_for(quiet(), timeout)
        except TimeoutError:
            logger.warning("drain: sessions still running after %s s", timeout)

    async def shutdown(self) -> None:
        """End every session and stop listening."""
        if self.server is not None:
            await self.server.aclose()
            self.server = None

    def get_stats(self) -> dict[str, Any]:
        jobs = self.server.active_sessions if self.server is not None else 0
        return {
            "worker_load": min(jobs / self.options.max_processes, 1.0),
            "draining": self._draining,
            "current_jobs": jobs,
            "max_processes": self.options.max_processes,
            "agent_id": self.options.agent_id,
            "register": self.options.register,
        }

    async def __aenter__(self) -> Worker:
        await self.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.shutdown()

    @staticmethod
    def run_worker(options: WorkerOptions, default_room_options: RoomOptions | None = None) -> None:
        """Serve until Ctrl+C (the same server as ``vocalis serve``)."""
        logging.basicConfig(level=options.log_level.upper())
        worker = Worker(options, default_room_options)
        try:
            asyncio.run(serve_entrypoint(options.entrypoint_fnc, worker.room_options()))
        except KeyboardInterrupt:
            logger.info("interrupted; shutting down")
