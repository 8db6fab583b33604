"""The raw-PCM WebSocket protocol end to end, with a fake pipeline behind it."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from tests.transports.fake_agent import start_fake_agent_server
from tests.transports.ws_client import connect, speak, wait_for

from vocalis.transports.security import ProtocolError
from vocalis.transports.websocket import parse_client_message

LONG_GREETING = "Hello and welcome to the test line, how can I help you today my friend?"


@pytest.fixture
async def server():
    srv = await start_fake_agent_server()
    yield srv
    await srv.aclose()


async def test_speech_in_gets_agent_pcm_and_transcripts_back(server):
    async with connect(server.url("/ws?say=hello+there", "ws")) as (ws, got):
        await speak(ws, "hello there", 1.2)
        assert await wait_for(lambda: got.transcripts("agent"), 4.0)
        assert await wait_for(lambda: len(got.audio) > 24000, 3.0)
        assert got.messages[0]["type"] == "ready"
        assert got.transcripts("user") == ["hello there"]
        assert got.transcripts("agent") == ["You said: hello there."]
        states = [m["state"] for m in got.of_type("agent_state")]
        assert "thinking" in states and "speaking" in states
        audio = np.frombuffer(bytes(got.audio), dtype="<i2")
        assert np.abs(audio).max() > 1000  # the fake TTS tone, not silence


async def test_output_is_resampled_to_the_requested_rate(server):
    url = server.url("/ws?say=hello+there&sample_rate=8000&output_sample_rate=16000", "ws")
    async with connect(url) as (ws, got):
        ready = await wait_for(lambda: got.of_type("ready"), 2.0)
        assert ready and got.of_type("ready")[0]["output_sample_rate"] == 16000
        await speak(ws, "hello there", 1.2, rate=8000)
        assert await wait_for(lambda: got.transcripts("agent"), 4.0)
        assert got.transcripts("user") == ["hello there"]
        await asyncio.sleep(0.5)
        # "You said: hello there." is about 1.3 s of speech: ~2 bytes * 16000 per second
        assert 16000 < len(got.audio) < 2 * 16000 * 2


async def test_typed_text_message_gets_an_answer(server):
    async with connect(server.url("/ws", "ws")) as (ws, got):
        await ws.send_str(json.dumps({"type": "text", "text": "what time is it"}))
        assert await wait_for(lambda: got.transcripts("agent"), 3.0)
        assert got.transcripts("agent") == ["You said: what time is it."]
        assert await wait_for(lambda: len(got.audio) > 0, 2.0)


async def test_interrupt_message_stops_the_agent_and_is_echoed(server):
    url = server.url("/ws?greeting=" + LONG_GREETING.replace(" ", "+"), "ws")
    async with connect(url) as (ws, got):
        assert await wait_for(lambda: len(got.audio) > 9600, 3.0)
        await ws.send_str(json.dumps({"type": "interrupt"}))
        assert await wait_for(lambda: got.of_type("interrupt"), 2.0)
        await asyncio.sleep(0.6)  # the 0.4 s fade-out tail may still arrive
        settled = len(got.audio)
        await asyncio.sleep(0.5)
        assert len(got.audio) == settled
        # the greeting is ~4 s of audio; far less was sent
        assert settled < 24000 * 2 * 3


async def test_barge_in_by_voice_sends_interrupt(server):
    url = server.url(
        "/ws?say=stop+talking+please+now@1.0&greeting=" + LONG_GREETING.replace(" ", "+"), "ws"
    )
    async with connect(url) as (ws, got):
        await speak(ws, "stop talking please now@1.0", 3.0)
        assert await wait_for(lambda: got.of_type("interrupt"), 2.0)


def test_client_messages_parse_and_reject():
    assert parse_client_message('{"type":"text","text":"hi"}').text == "hi"
    assert parse_client_message('{"type":"interrupt"}').type == "interrupt"
    assert parse_client_message('{"type":"dtmf","digit":"#"}').digit == "#"
    for bad, code in (("not json", 1003), ('["a"]', 1003), ('{"type":"nope"}', 1003),
                      ('{"type":"text"}', 1008), ('{"type":"dtmf","digit":"x"}', 1008)):
        with pytest.raises(ProtocolError) as info:
            parse_client_message(bad)
        assert info.value.code == code and info.value.reason
