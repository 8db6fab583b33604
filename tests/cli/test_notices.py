"""``GET /notices`` publishes what the agent file's ``notices()`` reports, before any call."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from vocalis.cli.commands import notices_route
from vocalis.cli.loader import AgentFile


async def _get(agent: AgentFile) -> list:
    app = web.Application()
    notices_route(agent)(app, None)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/notices") as response,
        ):
            assert response.status == 200
            return await response.json()
    finally:
        await runner.cleanup()


async def test_notices_come_from_the_agent_file():
    notice = {"level": "warning", "code": "llm_not_configured", "message": "m", "setting": "s"}
    agent = AgentFile("a.py", None, None, None, lambda: [notice])  # type: ignore[arg-type]
    assert await _get(agent) == [notice]


async def test_no_notices_function_means_an_empty_list_and_a_failing_one_is_reported():
    assert await _get(AgentFile("a.py", None, None)) == []  # type: ignore[arg-type]

    def broken() -> list:
        raise RuntimeError("boom")

    agent = AgentFile("a.py", None, None, None, broken)  # type: ignore[arg-type]
    [notice] = await _get(agent)
    assert notice["code"] == "notices_failed" and "boom" in notice["message"]
