"""The health and debug HTTP server of a deployment process (``WorkerOptions.host:port``).

- ``GET /health``: 200 ``{"status": "ok"}`` while taking calls, 503 ``{"status": "draining"}``
  after SIGTERM, so a load balancer stops sending calls here.
- ``GET /stats``: JSON: this process (pid, memory, CPU), the worker (load, jobs, every pooled
  process with its memory and media-hop delays) and the front (calls, link delays).
- ``GET /debug``: an HTML page listing live calls and processes (refreshes every 2 s).

``/health`` is public. ``/stats`` and ``/debug`` show call metadata: they require the access
token when one is set (``?token=`` or a Bearer header), and are refused off loopback without one.
"""

from __future__ import annotations

import html
import json
import os
import time
from typing import Any

import psutil
from aiohttp import web

from ..job.options import is_loopback_host
from ..transports.security import presented_token, token_matches, unauthorized

REFRESH_SECONDS = 2


class HealthServer:
    """Serves ``/health``, ``/stats`` and ``/debug`` for a worker and/or a front."""

    def __init__(self, *, host: str, port: int, worker: Any = None, front: Any = None,
                 access_token: str | None = None) -> None:
        self.host = host
        self.port = port
        self.worker = worker
        self.front = front
        self.access_token = access_token
        self.stopping = False
        self._process = psutil.Process(os.getpid())
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_get("/health", self._health)
        self.app.router.add_get("/stats", self._stats)
        self.app.router.add_get("/debug", self._debug)

    @property
    def draining(self) -> bool:
        return self.stopping or bool(getattr(self.worker, "draining", False)) or bool(
            getattr(getattr(self.front, "bridge", None), "draining", False))

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- handlers ----------------------------------------------------------------------------

    async def _health(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = {"status": "draining" if self.draining else "ok"}
        if self.worker is not None:
            body.update(load=round(self.worker.load, 4), jobs=len(self.worker.jobs),
                        capacity=self.worker.capacity)
        if self.front is not None:
            body.update(calls=len(self.front.bridge.calls))
        return web.json_response(body, status=503 if self.draining else 200)

    def _refused(self, request: web.Request) -> web.Response | None:
        if self.access_token is not None:
            if token_matches(presented_token(request), self.access_token):
                return None
            return unauthorized()
        if is_loopback_host(self.host):
            return None
        return web.json_response(
            {"error": "/stats and /debug show call data: set an access token to use them off "
                      "loopback"}, status=403)

    def snapshot(self) -> dict[str, Any]:
        """Everything ``/stats`` returns."""
        with self._process.oneshot():
            process = {"pid": self._process.pid,
                       "rss_mb": round(self._process.memory_info().rss / 2**20, 1),
                       "cpu_seconds": round(sum(self._process.cpu_times()[:2]), 3)}
        stats: dict[str, Any] = {"time": time.time(), "status": "draining" if self.draining
                                 else "ok", "process": process}
        if self.worker is not None:
            stats["worker"] = self.worker.get_stats()
        if self.front is not None:
            stats["front"] = self.front.get_stats()
        return stats

    async def _stats(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        return web.json_response(self.snapshot(), dumps=_dumps)

    async def _debug(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        return web.Response(text=render_debug(self.snapshot()), content_type="text/html")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row.get(c, '')))}</td>" for c in columns)
        + "</tr>" for row in rows
    ) or f'<tr><td colspan="{len(columns)}">none</td></tr>'
    return f"<h2>{html.escape(title)} ({len(rows)})</h2><table><tr>{head}</tr>{body}</table>"


def render_debug(stats: dict[str, Any]) -> str:
    """The ``/debug`` page for a ``/stats`` snapshot."""
    parts = [f"<p>status: <b>{html.escape(stats['status'])}</b>, pid "
             f"{stats['process']['pid']}, {stats['process']['rss_mb']} MB</p>"]
    front = stats.get("front")
    if front is not None:
        parts.append(_table("Calls on this front", front["calls"],
                            ["room_id", "transport", "state", "worker_id", "job_id",
                             "seconds", "attempts"]))
    worker = stats.get("worker")
    if worker is not None:
        parts.append(f"<p>worker {html.escape(worker['worker_id'])}: load "
                     f"{worker['worker_load']}, {worker['current_jobs']}/{worker['capacity']} "
                     f"calls, {worker['completed_jobs']} completed, {worker['failed_jobs']} "
                     "failed</p>")
        parts.append(_table("Calls on this worker", worker["jobs"],
                            ["job_id", "room_id", "transport", "resource_id", "seconds"]))
        processes = [{**info, "pid": info["metadata"].get("pid"),
                      "hop_in_p95_ms": ((info["metadata"].get("report") or {}).get("link") or {})
                      .get("hop_in", {}).get("p95_ms")} for info in worker["resource_info"]]
        parts.append(_table("Pooled processes", processes,
                            ["resource_id", "pid", "status", "active_tasks",
                             "total_tasks_processed", "memory_usage_mb", "cpu_usage_percent",
                             "hop_in_p95_ms"]))
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<meta http-equiv='refresh' content='{REFRESH_SECONDS}'><title>Vocalis debug</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head><body>"
        "<h1>Vocalis</h1>" + "".join(parts) + "</body></html>"
    )
