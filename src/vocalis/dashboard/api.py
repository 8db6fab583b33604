"""The dashboard's routes: the page and its JSON API, behind the server's access token.

- ``GET /dashboard``: the page;
- ``GET /dashboard/api/live``: calls in progress and the history database's status;
- ``GET /dashboard/api/calls?q=&limit=&offset=``: the history, newest first, searchable;
- ``GET /dashboard/api/calls/{id}``: one call with everything recorded about it;
- ``GET /dashboard/api/latency?hours=``: per-stage latency percentiles across calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from functools import cache
from importlib import resources
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from ..job.observers import CallObservers

MAX_PAGE = 200
FLUSH_WAIT = 5.0
"""Seconds a live call's view waits for its latest rows to be written."""


@cache
def page_html() -> str:
    """``page/index.html`` with its script and style sheet inlined."""
    folder = resources.files("vocalis.dashboard") / "page"
    html = (folder / "index.html").read_text(encoding="utf-8")
    style = (folder / "dashboard.css").read_text(encoding="utf-8")
    script = (folder / "dashboard.js").read_text(encoding="utf-8")
    return (html.replace("/*STYLE*/", style)
            .replace("/*SCRIPT*/", script.replace("</script", "<\\/script")))


LiveCalls = Callable[[], list[dict[str, Any]]]
"""The calls in progress, newest first, each shaped like ``CallRecorder.snapshot()``."""


class DashboardAPI:
    """Handlers reading the history of ``observers`` and the live calls (``live``, default
    the calls ``observers`` watch in this process)."""

    def __init__(self, observers: CallObservers, live: LiveCalls | None = None) -> None:
        self.observers = observers
        self._live = live

    def install(self, app: web.Application) -> None:
        app.router.add_get("/dashboard", self.page)
        app.router.add_get("/dashboard/api/live", self.live)
        app.router.add_get("/dashboard/api/calls", self.calls)
        app.router.add_get("/dashboard/api/calls/{call_id}", self.call)
        app.router.add_get("/dashboard/api/latency", self.latency)

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(text=page_html(), content_type="text/html",
                            headers={"Cache-Control": "no-store",
                                     "Content-Security-Policy": "default-src 'self'; "
                                     "script-src 'unsafe-inline'; style-src 'unsafe-inline'"})

    async def live(self, request: web.Request) -> web.Response:
        history = self.observers.history
        return _json({
            "now": time.time(),
            "calls": self._live() if self._live is not None else self.observers.live_calls(),
            "history": history.status().to_dict() if history is not None else None,
            "database": history.config.display_url if history is not None else None,
        })

    async def calls(self, request: web.Request) -> web.Response:
        store = self._store()
        limit = _int(request, "limit", 50, 1, MAX_PAGE)
        offset = _int(request, "offset", 0, 0, 10**9)
        async with _database():
            rows = await store.list_calls(search=request.query.get("q", "")[:200],
                                          limit=limit, offset=offset)
        return _json({"calls": rows, "limit": limit, "offset": offset})

    async def call(self, request: web.Request) -> web.Response:
        store = self._store()
        call_id = request.match_info["call_id"][:64]
        async with _database():
            if call_id in self.observers.live and self.observers.history is not None:
                await asyncio.wait_for(self.observers.history.flush(), FLUSH_WAIT)
            record = await store.get_call(call_id)
        if record is None:
            raise web.HTTPNotFound(text=json.dumps({"error": f"no call {call_id}"}),
                                   content_type="application/json")
        live = self.observers.live.get(call_id)
        record["live"] = live.snapshot() if live is not None else None
        return _json(record)

    async def latency(self, request: web.Request) -> web.Response:
        hours = request.query.get("hours")
        since = None
        if hours:
            try:
                since = time.time() - float(hours) * 3600.0
            except ValueError:
                raise web.HTTPBadRequest(text="hours must be a number") from None
        store = self._store()
        async with _database():
            return _json(await store.latency_percentiles(since=since))

    def _store(self) -> Any:
        history = self.observers.history
        if history is None:
            raise web.HTTPServiceUnavailable(
                text=json.dumps({"error": "call history is off (vocalis serve --no-history)"}),
                content_type="application/json")
        return history.store


def dashboard_routes(observers: CallObservers) -> Any:
    """A route installer (see ``vocalis.transports.server``) for the dashboard."""
    api = DashboardAPI(observers)

    def install(app: web.Application, on_connection: Any) -> None:
        api.install(app)

    return install


@contextlib.asynccontextmanager
async def _database() -> AsyncIterator[None]:
    """A database that does not answer is a 503 saying so (the writer spools meanwhile)."""
    try:
        yield
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        message = f"call history database unavailable: {type(exc).__name__}: {exc}"
        raise web.HTTPServiceUnavailable(
            text=json.dumps({"error": message.splitlines()[0][:300]}),
            content_type="application/json") from None


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.query.get(name, default))
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be an integer") from None
    return max(low, min(high, value))


def _json(data: Any) -> web.Response:
    return web.json_response(data, dumps=lambda d: json.dumps(d, default=str),
                             headers={"Cache-Control": "no-store"})
