"""``vocalis dial`` and ``vocalis serve --sip`` with a real phone (baresip)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest

from vocalis.cli import main

pytestmark = pytest.mark.slow

ENDED = r"terminated|session closed"
"""What baresip logs when a call ends (its own hangup, or the agent's BYE)."""

AGENT = Path(__file__).with_name("dial_agent.py")


async def test_vocalis_dial_calls_greets_and_hangs_up(phones: Any) -> None:
    callee = await phones("callee")
    out = io.StringIO()
    code = await asyncio.to_thread(
        main, ["dial", str(AGENT), callee.uri, "--sip", "127.0.0.1:0"], out=out)
    text = out.getvalue()
    assert code == 0, text
    assert f"calling {callee.uri}" in text and "answered (PCMU" in text
    assert "call ended: hangup: message delivered" in text
    await callee.wait_for(ENDED)
    pcm, _rate = callee.heard()
    assert abs(pcm.astype(int)).max() > 1000


async def test_vocalis_dial_reports_a_refused_call(phones: Any) -> None:
    callee = await phones("callee", answer="manual")

    async def refuse() -> None:
        await callee.wait_for("Incoming call")
        await callee.command("hangup")

    refusing = asyncio.ensure_future(refuse())
    out = io.StringIO()
    code = await asyncio.to_thread(
        main, ["dial", str(AGENT), callee.uri, "--sip", "127.0.0.1:0"], out=out)
    await refusing
    assert code == 1
    assert "call ended: not answered: 486" in out.getvalue()


async def test_the_agent_server_answers_sip_and_places_calls_over_http(phones: Any) -> None:
    """``RoomOptions(sip=...)`` on the agent server: ``POST /sip/calls`` dials out (the token
    is required like on every route), a malformed request gets a 400, and the called phone
    hears the agent."""
    import aiohttp
    from tests.transports.sip.dial_agent import entrypoint

    from vocalis.job import RoomOptions, WebSocketConfig
    from vocalis.transports.server import build_server
    from vocalis.transports.sip import SIPConfig, sip_routes, sip_service

    options = RoomOptions(websocket=WebSocketConfig(port=0), access_token="secret",
                          sip=SIPConfig(port=0))
    server = build_server(entrypoint, room_options=options, routes=[sip_routes(options.sip)])
    await server.start()
    try:
        callee = await phones("callee")
        service = sip_service(server.app)
        assert service is not None and service.address.startswith("sip:agent@127.0.0.1:")
        url = server.url("/sip/calls")
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json={"to": callee.uri}) as response:
                assert response.status == 401
            headers = {"Authorization": "Bearer secret"}
            async with http.post(url, data="not json", headers=headers) as response:
                assert response.status == 400
            async with http.post(url, json={"to": callee.uri}, headers=headers) as response:
                assert response.status == 201
                body = await response.json()
        assert body["to"] == callee.uri
        await callee.wait_for(ENDED, timeout=20)
        pcm, _rate = callee.heard()
        assert abs(pcm.astype(int)).max() > 1000
    finally:
        await server.aclose()


def test_serve_sip_option_sets_the_sip_address(tmp_path: Path) -> None:
    from vocalis.cli import build_parser
    from vocalis.cli.commands import serve_options
    from vocalis.cli.loader import load_agent_file

    args = build_parser().parse_args(["serve", str(AGENT), "--sip", "0.0.0.0:5070",
                                      "--token", "t"])
    options = serve_options(load_agent_file(str(AGENT)), args, io.StringIO())
    assert options.sip is not None and (options.sip.host, options.sip.port) == ("0.0.0.0", 5070)
    plain = build_parser().parse_args(["serve", str(AGENT)])
    assert serve_options(load_agent_file(str(AGENT)), plain, io.StringIO()).sip is None
