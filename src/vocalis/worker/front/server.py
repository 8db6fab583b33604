"""``FrontServer``: the transports of a deployment, in this process; every call runs on a
worker. It is the agent server (``vocalis.transports.server.AgentServer``, same routes, same
limits) with a ``CallBridge`` as its connection handler, plus the link listener workers dial.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from ...job.options import RoomOptions, TransportMode
from ...transports import optional_webrtc_routes
from ...transports.server import AgentServer, RouteInstaller, ServerLimits, default_routes
from ..link.listener import LinkListener
from ..link.stats import HOP_OUT
from .bridge import ASSIGN_TIMEOUT, CallBridge, Dispatcher

logger = logging.getLogger("vocalis.worker.front")


class FrontServer:
    """Serves ``room_options``' transports; hands calls out through ``dispatcher``.

    ``link_host`` None: workers dial a private Unix socket (they run on this machine);
    otherwise a TCP port on ``link_host:link_port``, which workers reach at ``link_advertise``.
    """

    def __init__(
        self, room_options: RoomOptions, dispatcher: Dispatcher, *, agent_id: str,
        link_host: str | None = None, link_port: int = 0, link_advertise: str | None = None,
        routes: list[RouteInstaller] | None = None, assign_timeout: float = ASSIGN_TIMEOUT,
        front_id: str = "",
    ) -> None:
        self.room_options = room_options
        self.dispatcher = dispatcher
        self.listener = LinkListener(host=link_host, port=link_port, advertise=link_advertise)
        self.bridge = CallBridge(dispatcher, self.listener, agent_id=agent_id,
                                 front_id=front_id, assign_timeout=assign_timeout)
        assert room_options.websocket is not None
        extra = list(routes or [])
        if room_options.mode is TransportMode.WEBRTC and not routes:
            extra = optional_webrtc_routes()
        self.server = AgentServer(
            self.bridge, host=room_options.host, port=room_options.websocket.port,
            limits=ServerLimits(max_message_bytes=room_options.max_message_bytes,
                                max_sessions=room_options.max_sessions,
                                access_token=room_options.access_token),
            routes=default_routes(room_options) + extra,
        )
        self.started_at = time.time()

    @property
    def front_id(self) -> str:
        return self.bridge.front_id

    async def start(self) -> None:
        await self.listener.start()
        await self.server.start()

    def url(self, path: str = "/", scheme: str = "http") -> str:
        return self.server.url(path, scheme)

    def drain(self) -> None:
        """Refuse new calls from now on (running ones go on)."""
        self.bridge.draining = True

    async def wait_for_calls(self, timeout: float) -> bool:
        """Wait until no call is running (at most ``timeout``); True if none is left."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.bridge.calls and loop.time() < deadline:
            await asyncio.sleep(0.1)
        return not self.bridge.calls

    async def aclose(self) -> None:
        """End every call ("server_shutdown") and stop listening."""
        self.drain()
        await self.server.aclose()
        await self.listener.aclose()

    def calls(self) -> list[dict[str, Any]]:
        """The calls connected to this front: where each is routed and since when."""
        return [call.to_dict() for call in self.bridge.calls.values()]

    def get_stats(self) -> dict[str, Any]:
        stats = self.bridge.stats()
        stats.update({
            "url": self.url(), "uptime_seconds": round(time.time() - self.started_at, 1),
            "calls": self.calls(),
            "link": {"hop_out": HOP_OUT.snapshot()},
        })
        describe = getattr(self.dispatcher, "stats", None)
        if callable(describe):
            stats["dispatcher"] = describe()
        return stats
