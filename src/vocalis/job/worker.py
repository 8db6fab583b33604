"""``WorkerJob``: the usual last line of an agent script, ``WorkerJob(entrypoint, jobctx).start()``.

Self-hosted there is no registry dispatching jobs: ``start()`` runs the agent in this process.
Console and file modes run one job; server transports (WebRTC, WebSocket, telephony) start the
agent server, where every connection runs the entrypoint as its own job, many at once.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from typing import Any

from .context import JobContext
from .options import RoomOptions, TransportMode
from .runner import Entrypoint, JobContextSource, check_entrypoint, run_job
from .serving import serve_entrypoint

logger = logging.getLogger("vocalis.job")


@dataclass
class Options:
    """The reference's worker options (``Options`` in ``agents.job``), same defaults.

    Self-hosted, only ``log_level`` is used; ``register=True`` (dispatch from a VideoSDK
    registry) is not available and raises ``ValueError``. The rest is accepted so that ported
    scripts run unchanged.
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
        if self.options.register:
            raise ValueError(
                "Options(register=True) dispatches jobs from the VideoSDK registry, which a "
                "self-hosted Vocalis does not use; serve connections with WorkerJob.start()"
            )

    def start(self) -> None:
        """Run until the job ends (console, file) or until interrupted (servers)."""
        logging.basicConfig(level=self.options.log_level.upper())
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
