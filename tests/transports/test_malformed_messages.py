"""Messages that used to crash the parsers close with the right code and a reason that says
what was wrong (not "no 'start' message" or "client_disconnected")."""

from __future__ import annotations

import asyncio
import json

import pytest
from tests.transports.fake_agent import SESSIONS, start_fake_agent_server
from tests.transports.twilio_client import CALL_SID, STREAM_SID, call
from tests.transports.ws_client import connect, wait_for

from vocalis.testing.raw_websocket import TEXT, open_websocket, read_close, send_frame

DEEP_JSON = "[" * 100_000 + "]" * 100_000


@pytest.fixture
async def server():
    srv = await start_fake_agent_server()
    yield srv
    await srv.aclose()


def start_message(media_format) -> dict:
    start = {"streamSid": STREAM_SID, "callSid": CALL_SID, "customParameters": {}}
    if media_format is not ...:
        start["mediaFormat"] = media_format
    return {"event": "start", "streamSid": STREAM_SID, "start": start}


@pytest.mark.parametrize(
    ("media_format", "code", "reason"),
    [
        ("audio/x-mulaw", 1007, "mediaFormat must be an object"),
        ({"encoding": "audio/x-mulaw", "sampleRate": "abc"}, 1007, "got 'abc'"),
        ({"encoding": "audio/x-mulaw", "sampleRate": None}, 1007, "got None"),
        ({"encoding": "audio/x-mulaw", "sampleRate": 1e400}, 1007, "got inf"),
        ({"encoding": "audio/x-mulaw", "sampleRate": True}, 1007, "got True"),
        ({"encoding": ["x"], "sampleRate": 8000}, 1007, "encoding must be a string"),
        ({"encoding": "audio/x-mulaw", "sampleRate": 16000}, 1003, "unsupported media format"),
    ],
)
async def test_a_bad_twilio_start_is_refused_with_a_reason(server, media_format, code, reason):
    async with call(server.url("/twilio", "ws")) as c:
        message = json.dumps(start_message(media_format)).replace("Infinity", "1e400")
        await c.ws.send_str(message)
        await asyncio.wait_for(c.closed.wait(), 3.0)
        assert (c.close_code, reason in c.close_reason) == (code, True), c.close_reason
    assert not SESSIONS


@pytest.mark.parametrize("media_format", [..., {"encoding": "audio/x-mulaw", "sampleRate": "8000"},
                                          {"encoding": "audio/x-mulaw", "sampleRate": 8000.0}])
async def test_acceptable_start_variants_still_start(server, media_format):
    async with call(server.url("/twilio", "ws")) as c:
        await c.send(start_message(media_format))
        assert await wait_for(lambda: SESSIONS and SESSIONS[-1]._started, 3.0)
        assert not c.closed.is_set()


async def test_deeply_nested_json_closes_with_1007_on_both_protocols(server):
    async with call(server.url("/twilio", "ws")) as c:
        await c.ws.send_str(DEEP_JSON)
        await asyncio.wait_for(c.closed.wait(), 3.0)
        assert c.close_code == 1007 and "nested too deeply" in c.close_reason
    async with connect(server.url("/ws", "ws")) as (ws, got):
        await ws.send_str(DEEP_JSON)
        await asyncio.wait_for(got.closed.wait(), 3.0)
        assert got.close_code == 1007 and "nested too deeply" in got.close_reason


async def test_a_bad_dtmf_digit_is_refused(server):
    async with call(server.url("/twilio", "ws")) as c:
        await c.start()
        await c.send({"event": "dtmf", "streamSid": STREAM_SID, "dtmf": {"digit": "\ud800"}})
        await asyncio.wait_for(c.closed.wait(), 3.0)
        assert c.close_code == 1007 and "dtmf.digit" in c.close_reason


async def test_text_that_is_not_utf8_closes_with_1007_and_a_reason(server):
    reader, writer = await open_websocket(server.port, "/ws")
    send_frame(writer, TEXT, b'{"type": "text", "text": "\xff"}')
    code, reason = await asyncio.wait_for(read_close(reader), 3.0)
    writer.close()
    assert code == 1007 and "UTF-8" in reason


async def test_a_crash_while_reading_closes_with_1011_not_silently(server, monkeypatch):
    from vocalis.transports.websocket import room

    def explode(text, **_):
        raise KeyError("surprise")

    monkeypatch.setattr(room, "parse_client_message", explode)
    async with connect(server.url("/ws", "ws")) as (ws, got):
        await ws.send_str('{"type": "interrupt"}')
        await asyncio.wait_for(got.closed.wait(), 3.0)
        assert got.close_code == 1011 and "internal error" in got.close_reason
