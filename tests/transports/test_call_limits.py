"""Bounded calls: typed text has a maximum length, a silent client is let go, and no call
outlives ``max_call_duration_seconds``; each ends with a clear code and reason."""

from __future__ import annotations

import asyncio

import pytest
from tests.transports.fake_agent import SESSIONS, start_fake_agent_server
from tests.transports.twilio_client import call
from tests.transports.ws_client import connect, speak, wait_for

from vocalis.job import RoomOptions


def test_limits_are_validated():
    with pytest.raises(ValueError, match="media_timeout_seconds"):
        RoomOptions(media_timeout_seconds=0)
    with pytest.raises(ValueError, match="max_call_duration_seconds"):
        RoomOptions(max_call_duration_seconds=-1)
    with pytest.raises(ValueError, match="max_text_chars"):
        RoomOptions(max_text_chars=0)
    assert RoomOptions(media_timeout_seconds=None, max_call_duration_seconds=None)


async def test_too_long_typed_text_gets_an_error_and_the_call_goes_on():
    server = await start_fake_agent_server(max_text_chars=50)
    try:
        async with connect(server.url("/ws?say=hello+there", "ws")) as (ws, got):
            assert await wait_for(lambda: got.of_type("ready"), 2.0)
            await ws.send_json({"type": "text", "text": "word " * 200})
            assert await wait_for(lambda: got.of_type("error"), 2.0)
            error = got.of_type("error")[0]
            assert error["source"] == "text" and "limit is 50" in error["message"]
            await ws.send_json({"type": "text", "text": "   "})
            assert await wait_for(lambda: len(got.of_type("error")) == 2, 2.0)
            await speak(ws, "hello there", 1.2)
            assert await wait_for(lambda: got.transcripts("agent"), 4.0)
            assert got.transcripts("agent") == ["You said: hello there."]
            assert not got.closed.is_set()
        users = [m.text_content for m in SESSIONS[0].agent.chat_context.messages()
                 if m.role.value == "user"]
        assert users == ["hello there"]
    finally:
        await server.aclose()


async def test_a_silent_ws_client_is_disconnected_with_1008():
    server = await start_fake_agent_server(media_timeout_seconds=0.4)
    try:
        async with connect(server.url("/ws", "ws"), autoping=True) as (ws, got):
            await speak(ws, "", 0.3)  # some audio, then nothing (pings are still answered)
            await asyncio.wait_for(got.closed.wait(), 3.0)
            assert got.close_code == 1008 and "no audio or messages for 0.4 s" in got.close_reason
        assert await wait_for(lambda: server.active_sessions == 0, 3.0)
    finally:
        await server.aclose()


async def test_a_twilio_stream_that_starts_then_goes_silent_is_hung_up():
    server = await start_fake_agent_server(media_timeout_seconds=0.4)
    try:
        async with call(server.url("/twilio", "ws")) as c:
            await c.start()
            assert await wait_for(lambda: SESSIONS and SESSIONS[0]._started, 2.0)
            await asyncio.wait_for(c.closed.wait(), 3.0)
            assert c.close_code == 1008 and "no audio or messages" in c.close_reason
        assert await wait_for(lambda: SESSIONS[0]._closed and server.active_sessions == 0, 3.0)
    finally:
        await server.aclose()


async def test_media_keeps_a_call_open_past_the_media_timeout():
    server = await start_fake_agent_server(media_timeout_seconds=0.5)
    try:
        async with call(server.url("/twilio", "ws")) as c:
            await c.start()
            await c.speak("", 1.2)  # 1.2 s of silence frames: media, so the call stays
            assert not c.closed.is_set()
    finally:
        await server.aclose()


async def test_a_call_ends_at_the_maximum_duration():
    server = await start_fake_agent_server(max_call_duration_seconds=0.6)
    try:
        async with connect(server.url("/ws", "ws")) as (ws, got):
            talking = asyncio.ensure_future(speak(ws, "", 3.0))
            await asyncio.wait_for(got.closed.wait(), 3.0)
            talking.cancel()
            assert got.close_code == 1000 and "call time limit reached (0.6 s)" in got.close_reason
        async with call(server.url("/twilio", "ws")) as c:
            await c.start()
            talking = asyncio.ensure_future(c.speak("", 3.0))
            await asyncio.wait_for(c.closed.wait(), 3.0)
            talking.cancel()
            assert c.close_code == 1000 and "call time limit reached" in c.close_reason
        assert await wait_for(lambda: all(s._closed for s in SESSIONS), 3.0)
        assert len(SESSIONS) == 2 and server.active_sessions == 0
    finally:
        await server.aclose()
