"""``vocalis start``: production mode. The transports run in this process, every call runs in
a pool of prewarmed worker processes; with ``REDIS_URL`` (or ``--redis``), fronts and workers
on many machines share the calls (``--role front`` / ``--role worker``).

Like ``serve``, it records every call in the call history (each worker process writes the calls
it runs to the shared database), exports telemetry with ``--otlp`` (from the worker processes)
and serves ``/dashboard`` on the front (``vocalis.dashboard.front``)."""

from __future__ import annotations

import argparse
import dataclasses
import os
from typing import Any, TextIO

from ..job.agent_file import AgentFile
from ..storage import history_enabled
from ..utils.gc_tuning import tune_gc_for_realtime
from ..worker import Deployment, ExecutorType, Role, WorkerOptions
from ..worker.options import REDIS_URL_ENV
from .commands import notices_route, serve_options
from .history_flags import add_history_arguments, export_options, storage_config


def add_parser(sub: Any) -> None:
    start = sub.add_parser(
        "start", help="production: calls in a pool of prewarmed processes; many machines "
                      "with Redis",
        description="Serve the transports like `serve`, but run every call in a pool of "
                    "prewarmed worker processes (a crash, a hang or a leak ends one call, not "
                    "the server). With REDIS_URL, fronts and workers on many machines share "
                    "the calls. SIGTERM drains: no new calls, running calls get "
                    "--close-timeout seconds; a second signal stops at once.",
    )
    start.add_argument("agent_file", metavar="AGENT_FILE")
    start.add_argument("--role", choices=[r.value for r in Role], default="all",
                       help="all: transports and workers (default); front: transports only; "
                            "worker: calls only (front and worker need Redis)")
    start.add_argument("--host", default=None, help="transports' bind address (127.0.0.1)")
    start.add_argument("--port", type=int, default=None, help="transports' port (8080)")
    start.add_argument("--token", default=None,
                       help="access token (required off loopback; 'auto' makes one; "
                            "default: $VOCALIS_ACCESS_TOKEN)")
    start.add_argument("--max-sessions", type=int, default=None,
                       help="concurrent calls this front accepts (100)")
    start.add_argument("--redis", default=None,
                       help=f"Redis URL of the registry (default: ${REDIS_URL_ENV}; "
                            "none: this machine only)")
    start.add_argument("--agent-id", default=None, help="name workers register under")
    start.add_argument("--processes", type=int, default=None, help="max worker processes (10)")
    start.add_argument("--idle", type=int, default=None, help="prewarmed idle processes (2)")
    start.add_argument("--jobs-per-process", type=int, default=None,
                       help="calls per process (1, which isolates every call)")
    start.add_argument("--threads", action="store_true",
                       help="threads instead of processes (no crash or memory isolation)")
    start.add_argument("--memory-limit", type=float, default=None,
                       help="MB per process before it is replaced (0: off)")
    start.add_argument("--memory-warn", type=float, default=None, help="MB per process to warn (500)")
    start.add_argument("--job-timeout", type=float, default=None, help="longest call, seconds (3600)")
    start.add_argument("--close-timeout", type=float, default=None,
                       help="seconds running calls get to finish when draining (60)")
    start.add_argument("--load-threshold", type=float, default=None,
                       help="load (calls / capacity) from which no new calls are taken")
    start.add_argument("--ping-interval", type=float, default=None,
                       help="seconds between registry heartbeats (30)")
    start.add_argument("--health-host", default=None, help="/health, /stats, /debug address (default: --host)")
    start.add_argument("--health-port", type=int, default=None, help="their port (8081)")
    start.add_argument("--link-host", default=None,
                       help="address workers dial this front on (with Redis; 127.0.0.1)")
    start.add_argument("--link-port", type=int, default=0, help="its port (0: any free)")
    start.add_argument("--link-advertise", default=None,
                       help="the address other machines reach --link-host at")
    add_history_arguments(start)


def worker_options(agent: AgentFile, args: argparse.Namespace,
                   health_host: str = "127.0.0.1") -> WorkerOptions:
    """The agent file's ``worker_options`` (or the defaults) with the flags applied; without
    either, the health server binds ``health_host`` (the transports' address)."""
    base = agent.worker_options if isinstance(agent.worker_options, WorkerOptions) else None
    flags: dict[str, Any] = {
        "agent_id": args.agent_id, "max_processes": args.processes,
        "num_idle_processes": args.idle, "jobs_per_process": args.jobs_per_process,
        "memory_limit_mb": args.memory_limit, "memory_warn_mb": args.memory_warn,
        "job_timeout": args.job_timeout, "close_timeout": args.close_timeout,
        "load_threshold": args.load_threshold, "ping_interval": args.ping_interval,
        "host": args.health_host, "port": args.health_port,
        "redis_url": args.redis or os.environ.get(REDIS_URL_ENV) or None,
        "log_level": getattr(args, "log_level", None),
    }
    changes = {k: v for k, v in flags.items() if v is not None}
    if args.threads:
        changes["executor_type"] = ExecutorType.THREAD
    changes.update(agent_file=agent.path, entrypoint_fnc=None)
    if base is None:
        changes.setdefault("host", health_host)
        if "max_processes" in changes and "num_idle_processes" not in changes:
            changes["num_idle_processes"] = min(2, changes["max_processes"])
        return WorkerOptions(**changes)
    return dataclasses.replace(base, **changes)


def run_start(agent: AgentFile, args: argparse.Namespace, out: TextIO) -> int:
    from ..dashboard import front_dashboard_routes

    room_options = export_options(serve_options(agent, args, out), args.otlp)
    if args.max_sessions is not None:
        room_options = dataclasses.replace(room_options, max_sessions=args.max_sessions)
    options = worker_options(agent, args, room_options.host)
    if not options.access_token and room_options.access_token:
        options.access_token = room_options.access_token
    history = None if args.no_history or not history_enabled() else storage_config(args)

    def routed_calls() -> list[dict[str, Any]]:
        return deployment.front.calls() if deployment.front is not None else []

    routes = [notices_route(agent),
              front_dashboard_routes(history, routed_calls, agent=options.agent_id)]

    def ready(deployment: Deployment) -> None:
        tune_gc_for_realtime()
        query = "?token=TOKEN" if room_options.access_token else ""
        if deployment.front is not None:
            assert room_options.websocket is not None and room_options.telephony is not None
            front = deployment.front
            out.write(f"web page:   {front.url('/')}{query}\n")
            out.write(f"WebSocket:  {front.url(room_options.websocket.path, 'ws')}{query}\n")
            out.write(f"Twilio:     {front.url(room_options.telephony.path, 'ws')}\n")
            out.write(f"dashboard:  {front.url('/dashboard')}{query}\n")
        if deployment.worker is not None:
            worker = deployment.worker
            out.write(f"worker:     {worker.worker_id}, up to {worker.capacity} call(s) in "
                      f"{options.max_processes} process(es)\n")
        registry = "Redis " + _redacted(options.redis_url) if options.redis_url else "none"
        out.write(f"registry:   {registry}\n")
        out.write(f"history:    {history.display_url if history else 'off'}\n")
        assert deployment.health is not None
        out.write(f"health:     {deployment.health.url('/health')}  "
                  f"(/stats, /debug)\n")
        out.write("SIGTERM or Ctrl+C drains; twice stops now.\n")
        out.flush()

    deployment = Deployment(options, room_options, role=args.role, link_host=args.link_host,
                            link_port=args.link_port, link_advertise=args.link_advertise,
                            routes=routes, ready=ready, history=history)
    code = deployment.run()
    out.write(f"stopped: {deployment.failure}\n" if deployment.failure else "stopped\n")
    return code


def _redacted(url: str | None) -> str:
    """``url`` without its password."""
    if not url or "@" not in url:
        return url or ""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
