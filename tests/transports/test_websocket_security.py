"""Rejected connections: tokens, malformed and oversized messages — and nobody else notices."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from tests.transports.fake_agent import CONTEXTS, SESSIONS, start_fake_agent_server
from tests.transports.ws_client import connect, speak, wait_for

from vocalis.job import RoomOptions

TOKEN = "s3cret-token"


@pytest.fixture
async def server():
    srv = await start_fake_agent_server(max_message_bytes=64 * 1024)
    yield srv
    await srv.aclose()


@pytest.fixture
async def token_server():
    srv = await start_fake_agent_server(access_token=TOKEN)
    yield srv
    await srv.aclose()


async def handshake_status(url: str, **kwargs) -> int:
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(url, **kwargs):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def test_non_loopback_host_requires_a_token():
    with pytest.raises(ValueError, match="access_token"):
        RoomOptions(host="0.0.0.0")
    assert RoomOptions(host="0.0.0.0", access_token="x").access_token == "x"
    assert RoomOptions(host="::1").access_token is None


async def test_missing_or_wrong_token_gets_401(token_server):
    url = token_server.url("/ws", "ws")
    assert await handshake_status(url) == 401
    assert await handshake_status(url + "?token=wrong") == 401
    async with aiohttp.ClientSession() as http:
        async with http.get(token_server.url("/ws")) as response:
            assert response.status == 401
            assert "token" in (await response.json())["error"]
        async with http.get(token_server.url("/healthz")) as response:
            assert response.status == 200  # public


async def test_token_in_query_or_bearer_header_is_accepted(token_server):
    async with connect(token_server.url(f"/ws?token={TOKEN}", "ws")) as (_ws, got):
        assert await wait_for(lambda: got.of_type("ready"), 2.0)
        assert "token" not in CONTEXTS[-1].metadata
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with connect(token_server.url("/ws", "ws"), headers=headers) as (_ws, got):
        assert await wait_for(lambda: got.of_type("ready"), 2.0)


async def test_bad_sample_rate_is_refused_with_400(server):
    assert await handshake_status(server.url("/ws?sample_rate=12", "ws")) == 400


@pytest.mark.parametrize(
    ("message", "code", "reason"),
    [
        ("{not json", 1003, "not valid JSON"),
        ('{"type": "dance"}', 1003, "unknown message type"),
        ('{"type": "text"}', 1008, "string 'text'"),
        (b"\x01\x02\x03", 1003, "even number of bytes"),
    ],
)
async def test_malformed_message_closes_only_that_connection(server, message, code, reason):
    async with connect(server.url("/ws?say=hello+there", "ws")) as (good, good_got):
        speaking = asyncio.ensure_future(speak(good, "hello there", 1.2))
        async with connect(server.url("/ws", "ws")) as (bad, bad_got):
            assert await wait_for(lambda: bad_got.of_type("ready"), 2.0)
            if isinstance(message, bytes):
                await bad.send_bytes(message)
            else:
                await bad.send_str(message)
            await asyncio.wait_for(bad_got.closed.wait(), 3.0)
            assert bad_got.close_code == code
            assert reason in bad_got.close_reason
        await speaking
        assert await wait_for(lambda: good_got.transcripts("agent"), 4.0)
        assert good_got.transcripts("agent") == ["You said: hello there."]
        assert not good.closed
    assert await wait_for(lambda: all(s._closed for s in SESSIONS), 3.0)


async def test_oversized_message_closes_with_1009_and_a_reason(server):
    async with connect(server.url("/ws?say=hello+there", "ws")) as (good, good_got):
        speaking = asyncio.ensure_future(speak(good, "hello there", 1.2))
        async with connect(server.url("/ws", "ws")) as (bad, bad_got):
            await bad.send_bytes(b"\x00" * (128 * 1024))
            await asyncio.wait_for(bad_got.closed.wait(), 3.0)
            assert bad_got.close_code == 1009
            assert "too big" in bad_got.close_reason and "65536" in bad_got.close_reason
        big_text = json.dumps({"type": "text", "text": "x" * 100_000})
        async with connect(server.url("/ws", "ws")) as (bad, bad_got):
            await bad.send_str(big_text)
            await asyncio.wait_for(bad_got.closed.wait(), 3.0)
            assert bad_got.close_code == 1009
        await speaking
        assert await wait_for(lambda: good_got.transcripts("agent"), 4.0)


async def test_sessions_beyond_max_sessions_are_turned_away():
    server = await start_fake_agent_server(max_sessions=1)
    try:
        async with connect(server.url("/ws", "ws")) as (_, first):
            assert await wait_for(lambda: first.of_type("ready"), 2.0)
            async with connect(server.url("/ws", "ws")) as (_, second):
                await asyncio.wait_for(second.closed.wait(), 3.0)
                assert second.close_code == 1013
                assert "capacity" in second.close_reason
            assert not first.closed.is_set()
    finally:
        await server.aclose()
