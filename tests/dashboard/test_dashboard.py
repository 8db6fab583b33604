"""The dashboard: its JSON API behind the access token, and the page in headless Chromium —
a live call with its state, the searchable history, latency percentiles, and one call's
timeline. The test takes the screenshots in docs/ (``VOCALIS_UPDATE_SCREENSHOTS=1`` writes
them there; otherwise to a temporary directory)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from tests.e2e.cdp import Chromium, find_browser
from tests.storage.calls import record_call
from tests.transports.fake_agent import build_session, user_script

from vocalis.dashboard import dashboard_routes
from vocalis.job import JobContext, RoomOptions, WebSocketConfig
from vocalis.job.observers import CallObservers
from vocalis.job.serving import observed_contexts
from vocalis.storage import CallHistory, StorageConfig
from vocalis.transports.server import build_server

TOKEN = "dashboard-secret"
DOCS = Path(__file__).resolve().parents[2] / "docs"
BROWSER = find_browser()


@pytest.fixture(scope="module")
def recorded_calls():
    """Three finished calls (recorded on a virtual clock)."""
    return [record_call(), record_call(agent="Concierge", transport="twilio"),
            record_call(agent="Booking", transport="webrtc")]


async def entrypoint(ctx: JobContext) -> None:
    session = build_session(ctx)
    await session.start()


@contextlib.asynccontextmanager
async def served(tmp_path: Path, recorded: list[Any], *, history: bool = True,
                 url: str | None = None) -> AsyncIterator[tuple[Any, CallObservers]]:
    """The agent server with the dashboard, its history (in ``url``, default a SQLite file)
    seeded with ``recorded``."""
    observers = CallObservers()
    if history:
        config = StorageConfig(url=url or str(tmp_path / "calls.db"),
                               spool_dir=tmp_path / "spool", flush_interval=0.01)
        observers = CallObservers(await CallHistory.open(config))
        for _, writes, _ in recorded:
            for write in writes:
                observers.history.writer.submit(write)  # type: ignore[union-attr]
        await observers.history.flush()  # type: ignore[union-attr]
    options = RoomOptions(websocket=WebSocketConfig(port=0), access_token=TOKEN)
    server = build_server(entrypoint, room_options=options,
                          routes=[dashboard_routes(observers)],
                          jobctx=observed_contexts(None, options, observers))
    await server.start()
    try:
        yield server, observers
    finally:
        await server.aclose()
        await observers.aclose()


@contextlib.asynccontextmanager
async def live_call(server: Any, words: str) -> AsyncIterator[Any]:
    """A /ws client that says ``words`` (the script's tone, which the fake VAD and STT hear)
    and stays on the line."""
    async with aiohttp.ClientSession() as http:
        url = server.url("/ws", "ws") + f"?token={TOKEN}&say={words}@0.2&greeting=Welcome"
        async with http.ws_connect(url) as ws:
            script = user_script(f"{words}@0.2")

            async def microphone() -> None:
                at = 0.0
                while True:
                    await ws.send_bytes(script.audio(at, 0.02))
                    at += 0.02
                    await asyncio.sleep(0.02)

            task = asyncio.ensure_future(microphone())
            try:
                yield ws
            finally:
                task.cancel()


async def wait_for(condition: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s; last value {value!r}")
        await asyncio.sleep(0.1)


async def test_the_api_needs_the_token_and_answers_with_the_history(tmp_path, recorded_calls):
    async with served(tmp_path, recorded_calls) as (server, _), aiohttp.ClientSession() as http:
        for path in ("/dashboard", "/dashboard/api/live", "/dashboard/api/calls"):
            async with http.get(server.url(path)) as response:
                assert response.status == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}

        async def get(path: str, status: int = 200) -> Any:
            async with http.get(server.url(path), headers=auth) as response:
                assert response.status == status, await response.text()
                return await response.json() if "json" in response.content_type else None

        async with http.get(server.url("/dashboard") + f"?token={TOKEN}") as response:
            page = await response.text()
            assert response.status == 200 and "<script>" in page and "/*SCRIPT*/" not in page
        listed = await get("/dashboard/api/calls?limit=2")
        assert len(listed["calls"]) == 2 and listed["limit"] == 2
        found = await get("/dashboard/api/calls?q=concierge")
        assert [c["agent"] for c in found["calls"]] == ["Concierge"]
        info = recorded_calls[0][0]
        call = await get(f"/dashboard/api/calls/{info.id}")
        assert call["id"] == info.id and call["live"] is None and len(call["transcript"]) == 9
        await get("/dashboard/api/calls/nope", 404)
        latency = await get("/dashboard/api/latency?hours=24")
        assert latency["stages"]["e2e_latency_ms"]["count"] == 12
        await get("/dashboard/api/latency?hours=soon", 400)
        await get("/dashboard/api/calls?limit=x", 400)
        live = await get("/dashboard/api/live")
        assert live["calls"] == [] and live["history"]["healthy"] is True

        async with live_call(server, "book me a table"):
            async def answered() -> Any:
                calls = (await get("/dashboard/api/live"))["calls"]
                return calls if calls and calls[0]["turn_count"] >= 2 else None

            (current,) = await wait_for(answered)
            assert current["transport"] == "websocket" and current["agent"] == "EchoAgent"
            assert [line["text"] for line in current["lines"]][-2:] == [
                "book me a table", "You said: book me a table."]
            record = await get(f"/dashboard/api/calls/{current['id']}")
            assert record["status"] == "live" and record["live"]["id"] == current["id"]
            assert [t["text"] for t in record["transcript"]][-1] == "You said: book me a table."


async def test_without_history_the_dashboard_says_so(tmp_path):
    async with served(tmp_path, [], history=False) as (server, _), aiohttp.ClientSession() as h:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        async with h.get(server.url("/dashboard/api/calls"), headers=auth) as response:
            assert response.status == 503
            assert "history is off" in (await response.json())["error"]
        async with h.get(server.url("/dashboard/api/live"), headers=auth) as response:
            assert (await response.json())["history"] is None


async def test_a_database_that_is_down_shows_on_the_dashboard(tmp_path):
    nobody = "postgresql://postgres@127.0.0.1:9/calls"  # nothing listens on the discard port
    async with served(tmp_path, [], url=nobody) as (server, observers), \
            aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {TOKEN}"}

        async def get(path: str) -> tuple[int, Any]:
            async with http.get(server.url(path), headers=auth) as response:
                return response.status, await response.json()

        status, body = await get("/dashboard/api/calls")
        assert status == 503 and "database unavailable" in body["error"]
        async with live_call(server, "hello"):
            async def reported() -> Any:
                _, live = await get("/dashboard/api/live")
                return live if live["history"]["healthy"] is False else None

            live = await wait_for(reported)
            assert "connect" in live["history"]["last_error"].lower()
            assert live["history"]["spooled"] >= 1 and len(live["calls"]) == 1
        assert observers.history is not None and observers.history.writer.spool.has_pending()


@pytest.mark.slow
@pytest.mark.skipif(BROWSER is None, reason="Chromium not installed (apt-get install chromium)")
async def test_the_page_in_chromium(tmp_path, recorded_calls):
    shots = DOCS if os.environ.get("VOCALIS_UPDATE_SCREENSHOTS") == "1" else tmp_path
    async with served(tmp_path, recorded_calls) as (server, _):
        browser = await Chromium.launch(BROWSER)  # type: ignore[arg-type]
        try:
            tab = await browser.page()
            await tab.call("Emulation.setDeviceMetricsOverride", width=1360, height=900,
                           deviceScaleFactor=1, mobile=False)
            async with live_call(server, "a table for four at eight"):
                await tab.call("Page.navigate", url=server.url("/dashboard") + f"?token={TOKEN}")

                async def page(expression: str) -> Any:
                    return await tab.evaluate(expression)

                async def rows(selector: str) -> int:
                    return await page(f"document.querySelectorAll({json.dumps(selector)}).length")

                await wait_for(lambda: page(
                    "[...document.querySelectorAll('#live-table tbody tr')].some("
                    "r => r.innerText.includes('You said'))"))
                live = await page("document.querySelector('#live-table tbody tr').innerText")
                assert "EchoAgent" in live and "websocket" in live
                assert any(state in live for state in ("idle", "listening", "speaking"))
                await wait_for(lambda: rows("#history-table tbody tr.history-call"))
                assert await rows("#history-table tbody tr.history-call") == 4  # 3 + the live one
                assert await rows("#percentile-plot polyline") >= 4
                latency = await page("document.querySelector('#latency-table').innerText")
                assert "end to end" in latency and " ms" in latency
                assert await page("document.getElementById('db-status').className") == "pill ok"
                await screenshot(tab, shots / "dashboard-overview.png")

                await page("const s = document.getElementById('search'); s.value = 'concierge';"
                           "s.dispatchEvent(new Event('input'))")
                await wait_for(lambda: page(
                    "document.querySelectorAll('#history-table tbody tr').length === 1"))
                assert "Concierge" in await page(
                    "document.querySelector('#history-table tbody tr').innerText")

                await page("document.querySelector('#history-table tbody tr').click()")
                await wait_for(lambda: rows("#transcript li"))
                assert await page("document.getElementById('overview').hidden") is True
                assert "Concierge" in await page("document.getElementById('call-meta').innerText")
                assert await rows("#timeline rect.user-speech") == 4
                assert await rows("#timeline rect.agent-speech") >= 4
                assert await rows("#timeline rect.tool-call") == 1
                assert await rows("#timeline circle.event-mark") == 2  # interruption, error
                assert await rows("#turn-bars .turn") == 4
                assert await rows("#turn-bars .turn .seg.llm") == 3  # the 4th LLM failed
                assert await rows("#tools-table tbody tr") == 1
                tools = await page("document.querySelector('#tools-table').innerText")
                assert "book_table" in tools and "ana@example.com" in tools
                transcript = await page("document.getElementById('transcript').innerText")
                assert "(interrupted)" in transcript and "A table for two" in transcript
                await screenshot(tab, shots / "dashboard-call.png")
        finally:
            await browser.close()
    for name in ("dashboard-overview.png", "dashboard-call.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def screenshot(tab: Any, path: Path) -> None:
    result = await tab.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    path.write_bytes(base64.b64decode(result["data"]))
