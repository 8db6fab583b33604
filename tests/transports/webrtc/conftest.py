"""Fixtures for the WebRTC transport tests: skip without aiortc, a server on 127.0.0.1."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

if importlib.util.find_spec("aiortc") is None:
    pytest.skip("aiortc not installed (pip install 'vocalis[webrtc]')", allow_module_level=True)

from aiohttp import web

from vocalis.transports.webrtc import add_webrtc_routes

Handler = Callable[[Any, dict[str, Any]], Awaitable[Any]]


class Server:
    """An aiohttp app with the WebRTC routes, listening on 127.0.0.1 (random port)."""

    def __init__(self) -> None:
        self.runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self, on_connection: Handler, **kwargs: Any) -> Server:
        app = web.Application()
        add_webrtc_routes(app, on_connection, **kwargs)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server()
    yield srv
    await srv.stop()
