"""Serving an entrypoint: the one server ``vocalis serve agent.py`` and ``python agent.py``
(``WorkerJob(...).start()``) both start: the web page (WebRTC), the raw-PCM WebSocket and the
Twilio media-stream endpoint on one port, each connection its own job.
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
        stream.write("Ctrl+C to stop.\n")
        stream.flush()

    routes: list[Any] = [*webrtc, *extra_routes]
    await serve(entrypoint, room_options=options, routes=routes, jobctx=jobctx, ready=ready)
