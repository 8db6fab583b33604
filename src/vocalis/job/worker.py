"""``WorkerJob``: the usual last line of an agent script, ``WorkerJob(entrypoint, jobctx).start()``.

By default ``start()`` runs the agent in this process: console and file modes run one job;
server transports (WebRTC, WebSocket, telephony) start the agent server, where every
connection runs the entrypoint as its own job, many at once. With ``Options(register=True)``
it runs a worker registered in the Redis registry (``REDIS_URL``) that takes calls from the
fronts of a deployment (``vocalis.worker``), each call in a pool of prewarmed processes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any

from .context import JobContext
from .options import RoomOptions, TransportMode
from .runner import Entrypoint, JobContextSource, check_entrypoint, run_job
from .serving import serve_entrypoint

logger = logging.getLogger("vocalis.job")

REDIS_URL_ENV = "REDIS_URL"


@dataclass
class Options:
    """The reference's worker options (``Options`` in ``agents.job``), same defaults.

    ``register=True`` registers a worker with the Redis registry named by ``REDIS_URL`` (the
    self-hosted counterpart of VideoSDK's registry); the pool fields (``num_idle_processes``,
    ``max_processes``, ``memory_*``, ``close_timeout``, ``ping_interval``, ``load_threshold``,
    ``agent_id``, ``host``/``port`` of the health server) then apply as in
    ``vocalis.worker.WorkerOptions``. Without it, only ``log_level`` is used; the rest is
    accepted so that ported scripts run unchanged.
    """

    executor_type: Any = None
    num_idle_processes: int = 1
    initialize_timeout: float = 10.0
    close_timeout: float = 60.0
    memory_warn_mb: float = 500.0
    memory_limit_mb: float = 0.0
    ping_interval: float = 30.0
    max_processes: int = 1
    agent_id: str = "VideoSDKAgent"
    auth_token: str | None = None
    permissions: Any = None
    max_retry: int = 16
    load_threshold: float = 0.75
    register: bool = False
    signaling_base_url: str = "api.videosdk.live"
    host: str = "0.0.0.0"
    port: int = 8081
    log_level: str = "INFO"


class WorkerJob:
    """Launch ``entrypoint`` (``async def entrypoint(ctx: JobContext)``).

    ``jobctx`` is a ``JobContext``, a callable returning one (called per job), or None (default
    ``RoomOptions()``). ``python agent.py`` serves the agent on every transport (the web page,
    ``/ws`` and ``/twilio``, as ``vocalis serve agent.py`` does); as in the reference,
    ``python agent.py console`` talks to it through the microphone (``console --text``: typed).
    """

    def __init__(
        self,
        entrypoint: Entrypoint,
        jobctx: JobContextSource = None,
        options: Options | None = None,
    ) -> None:
        self.entrypoint = check_entrypoint(entrypoint)
        self.jobctx = jobctx
        self.options = options or Options()
        if self.options.register and not os.environ.get(REDIS_URL_ENV):
            raise ValueError(
                "Options(register=True) registers this worker with a Redis registry: set "
                f"{REDIS_URL_ENV} (for example redis://localhost:6379/0), or leave register "
                "False to serve connections from this process"
            )

    def start(self) -> None:
        """Run until the job ends (console, file) or until interrupted (servers)."""
        logging.basicConfig(level=self.options.log_level.upper())
        if self.options.register:
            self._run_registered_worker()
            return
        try:
            asyncio.run(self.arun())
        except KeyboardInterrupt:
            logger.info("interrupted; shutting down")

    async def arun(self) -> None:
        """``start()`` inside a running loop."""
        template = self._template()
        mode = template.room_options.mode
        if mode.is_server:
            await self._serve(template.room_options)
        else:
            await run_job(self.entrypoint, template)

    def _run_registered_worker(self) -> None:
        # The worker layer sits above the job layer: imported only when asked for.
        from ..worker import Worker, WorkerOptions

        fields = {f.name for f in dataclasses.fields(WorkerOptions)}
        given = {f.name: getattr(self.options, f.name) for f in dataclasses.fields(self.options)
                 if f.name in fields and getattr(self.options, f.name) is not None}
        options = WorkerOptions(entrypoint_fnc=self.entrypoint, **given)
        template = self._template() if self.jobctx is not None else None
        Worker.run_worker(options, template.room_options if template else None)

    def _template(self) -> JobContext:
        source = self.jobctx
        if isinstance(source, JobContext):
            ctx = source
        elif callable(source):
            ctx = source()
        else:
            ctx = JobContext(room_options=RoomOptions())
        if _console_requested() and ctx.room_options.mode is not TransportMode.CONSOLE:
            ctx.room_options.transport_mode = TransportMode.CONSOLE
            ctx.metadata["console_text"] = "--text" in sys.argv[2:]
        return ctx

    async def _serve(self, room_options: RoomOptions) -> None:
        """The same server as ``vocalis serve``: every transport on one port."""
        await serve_entrypoint(self.entrypoint, room_options, jobctx=self.jobctx)


def _console_requested() -> bool:
    return len(sys.argv) > 1 and sys.argv[1].lower() == "console"
