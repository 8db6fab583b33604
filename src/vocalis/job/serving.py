"""Serving an entrypoint: the one server ``vocalis serve agent.py`` and ``python agent.py``
(``WorkerJob(...).start()``) both start: the web page (WebRTC), the raw-PCM WebSocket and the
Twilio media-stream endpoint on one port, plus SIP when ``RoomOptions.sip`` is set, each
connection (or call) its own job.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ..transports import optional_webrtc_routes
from ..transports.server import AgentServer, RouteInstaller, serve
from ..utils.gc_tuning import tune_gc_for_realtime
from .options import RoomOptions
from .runner import Entrypoint, JobContextSource


async def serve_entrypoint(
    entrypoint: Entrypoint,
    options: RoomOptions,
    *,
    jobctx: JobContextSource = None,
    extra_routes: Sequence[RouteInstaller] = (),
    out: TextIO | None = None,
) -> None:
    """Serve ``entrypoint`` on every transport until cancelled, printing where to connect."""
    webrtc = optional_webrtc_routes()
    stream = out or sys.stdout

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
        stream.write("Ctrl+C to stop.\n")
        stream.flush()

    routes: list[Any] = [*webrtc, *extra_routes]
    if options.sip is not None:
        from ..transports.sip import sip_routes, sip_service

        routes.append(sip_routes(options.sip))
    await serve(entrypoint, room_options=options, routes=routes, jobctx=jobctx, ready=ready)
