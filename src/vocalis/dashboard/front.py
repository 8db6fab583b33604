"""The dashboard of a ``vocalis start`` front (``front_dashboard_routes``).

The calls run in worker processes, possibly on other machines, and each worker process writes
its calls to the shared history database; the front reads that database for the history, a
call's timeline and the latency percentiles, exactly as ``vocalis serve`` does.

Live calls are the calls this front routed to workers and that are still connected: the
front is where a caller is connected, so this list is exact for its port (a call on another
front of the deployment is on that front's dashboard). For each one the front knows its
routing state (``dispatching`` while a worker is being found, ``running`` once one took it),
which worker runs it and for how long; what is said in the call reaches its history record as
the worker writes it (within ``StorageConfig.flush_interval``), which opening the call shows.
The agent's and the user's speaking state stay in the worker, so they are not shown here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..job.observers import CallObservers
from ..storage import StorageConfig
from .api import DashboardAPI

ROUTING_STATES = {"dispatching": "dispatching", "linked": "running"}


def front_dashboard_routes(
    storage: StorageConfig | None, routed_calls: Callable[[], list[dict[str, Any]]], *,
    agent: str = "",
) -> Any:
    """A route installer for ``/dashboard`` on a front: the history in ``storage`` (None: no
    history), opened when the server starts and closed when it stops, and the live calls
    from ``routed_calls()`` (``FrontCall.to_dict()`` rows)."""
    api = DashboardAPI(CallObservers(), live=lambda: live_calls(routed_calls(), agent))

    async def open_history(app: web.Application) -> None:
        api.observers = await CallObservers.open(storage, history=storage is not None)

    async def close_history(app: web.Application) -> None:
        await api.observers.aclose()

    def install(app: web.Application, on_connection: Any) -> None:
        api.install(app)
        app.on_startup.append(open_history)
        app.on_cleanup.append(close_history)

    return install


def live_calls(routed: list[dict[str, Any]], agent: str = "") -> list[dict[str, Any]]:
    """The front's calls in the shape of the dashboard's live list, newest first; a call's id
    is its job id, which the worker records it under (the room id while none is assigned).
    What only the worker knows (turns, latency) is left out, so that the history row the page
    merges a live call into keeps its own figures."""
    calls = [{
        "id": call["job_id"] or call["room_id"], "started_at": call["started_at"],
        "transport": call["transport"], "agent": agent, "room_id": call["room_id"],
        "agent_state": ROUTING_STATES.get(call["state"], call["state"]),
        "worker_id": call["worker_id"], "lines": [],
    } for call in routed if call["state"] != "ended"]
    return sorted(calls, key=lambda c: c["started_at"], reverse=True)
