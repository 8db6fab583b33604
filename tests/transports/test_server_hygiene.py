"""What the server tells strangers: /healthz says only "ok", the access log hides tokens, the
page forbids framing and foreign scripts."""

from __future__ import annotations

import logging
import re

import aiohttp
import pytest
from tests.transports.fake_agent import entrypoint, start_fake_agent_server

from vocalis.job import RoomOptions, WebSocketConfig
from vocalis.transports.access_log import redact_secrets
from vocalis.transports.server import build_server

TOKEN = "s3cret-token"


@pytest.fixture
async def server():
    srv = await start_fake_agent_server(access_token=TOKEN)
    yield srv
    await srv.aclose()


async def get_json(url: str, **kwargs) -> dict:
    async with aiohttp.ClientSession() as http, http.get(url, **kwargs) as response:
        assert response.status == 200
        return await response.json()


async def test_healthz_shows_details_only_with_the_token(server):
    assert await get_json(server.url("/healthz")) == {"status": "ok"}
    assert await get_json(server.url("/healthz?token=wrong")) == {"status": "ok"}
    detailed = await get_json(server.url(f"/healthz?token={TOKEN}"))
    assert detailed["status"] == "ok" and detailed["sessions"] == 0 and "capacity" in detailed
    bearer = await get_json(server.url("/healthz"), headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer["sessions"] == 0


async def test_the_access_log_never_shows_the_token(server, caplog):
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    page = server.url(f"/healthz?token={TOKEN}")
    await get_json(page, headers={"Referer": f"http://x/?a=1&token={TOKEN}"})
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert lines and "GET /healthz?token=[redacted] HTTP/1.1" in lines[-1]
    assert "a=1&token=[redacted]" in lines[-1]
    assert all(TOKEN not in line for line in lines)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("/ws?token=abc&x=1", "/ws?token=[redacted]&x=1"),
        ("/?x=1&TOKEN=abc#f", "/?x=1&TOKEN=[redacted]#f"),
        ("/v1?api_key=k", "/v1?api_key=[redacted]"),
        ("/ws?tokens=ok", "/ws?tokens=ok"),
    ],
)
def test_redact_secrets(raw, clean):
    assert redact_secrets(raw) == clean


async def test_the_page_forbids_framing_and_allows_only_its_own_script():
    pytest.importorskip("aiortc")
    import base64
    import hashlib

    from vocalis.transports.webrtc import add_webrtc_routes

    options = RoomOptions(websocket=WebSocketConfig(port=0))
    srv = build_server(entrypoint, room_options=options, routes=[add_webrtc_routes])
    await srv.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(srv.url("/")) as response:
            html = await response.text()
            headers = response.headers
    finally:
        await srv.aclose()
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    script = re.search(r"<script>(.*)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert policy["script-src"] == f"'sha256-{digest}'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
