"""Serving an entrypoint: the one server ``vocalis serve agent.py`` and ``python agent.py``
(``WorkerJob(...).start()``) both start: the web page (WebRTC), the raw-PCM WebSocket and the
Twilio media-stream endpoint on one port (plus SIP when ``RoomOptions.sip`` is set), each
connection or call its own job, plus the operator's dashboard (``/dashboard``). Every call is
recorded in the call history and, when configured, traced (``CallObservers``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ..storage import StorageConfig
from ..transports import optional_webrtc_routes
from ..transports.server import AgentServer, RouteInstaller, serve
from ..utils.gc_tuning import tune_gc_for_realtime
from .context import JobContext
from .observers import CallObservers
from .options import RoomOptions
from .runner import Entrypoint, JobContextSource, context_for_connection


async def serve_entrypoint(
    entrypoint: Entrypoint,
    options: RoomOptions,
    *,
    jobctx: JobContextSource = None,
    extra_routes: Sequence[RouteInstaller] = (),
    out: TextIO | None = None,
    storage: StorageConfig | None = None,
    history: bool = True,
) -> None:
    """Serve ``entrypoint`` on every transport until cancelled, printing where to connect.
    Calls are recorded in ``storage`` (default: ``StorageConfig()``) unless ``history`` is
    False."""
    # The dashboard sits above the job layer; the server that shows it is started here.
    from ..dashboard import dashboard_routes

    webrtc = optional_webrtc_routes()
    stream = out or sys.stdout
    observers = await CallObservers.open(storage, history=history)

    def ready(server: AgentServer) -> None:
        assert options.websocket is not None and options.telephony is not None
        tune_gc_for_realtime()
        query = "?token=TOKEN" if options.access_token else ""
        if webrtc:
            stream.write(f"web page:   {server.url('/')}{query}\n")
        else:
            stream.write("WebRTC:     not available (install vocalis[webrtc])\n")
        stream.write(f"WebSocket:  {server.url(options.websocket.path, 'ws')}{query}\n")
        stream.write(f"Twilio:     {server.url(options.telephony.path, 'ws')}\n")
        sip = sip_service(server.app) if options.sip is not None else None
        if sip is not None:
            stream.write(f"SIP:        {sip.address}\n")
        stream.write(f"dashboard:  {server.url('/dashboard')}{query}\n")
        if observers.history is not None:
            stream.write(f"history:    {observers.history.config.display_url}\n")
        stream.write("Ctrl+C to stop.\n")
        stream.flush()

    routes: list[Any] = [*webrtc, dashboard_routes(observers), *extra_routes]
    if options.sip is not None:
        from ..transports.sip import sip_routes, sip_service

        routes.append(sip_routes(options.sip))
    try:
        await serve(entrypoint, room_options=options, routes=routes,
                    jobctx=observed_contexts(jobctx, options, observers), ready=ready)
    finally:
        await observers.aclose()


def observed_contexts(
    source: JobContextSource, options: RoomOptions, observers: CallObservers
) -> JobContextSource:
    """A job context factory: the contexts ``source`` makes, each carrying ``observers``."""

    def make() -> JobContext:
        ctx = context_for_connection(source, options, {})
        ctx.observers = observers
        return ctx

    return make
