"""Telephony over Twilio Media Streams: mu-law both ways, marks, barge-in ``clear``, DTMF."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from tests.transports.fake_agent import (
    CONTEXTS,
    SESSIONS,
    build_session,
    entrypoint,
    start_fake_agent_server,
)
from tests.transports.twilio_client import CALL_SID, STREAM_SID, call
from tests.transports.ws_client import wait_for

from vocalis.job import JobContext
from vocalis.telephony import DTMFHandler
from vocalis.transports.telephony import mulaw

LONG_GREETING = "Hello and welcome to the test line, how can I help you today my friend?"


async def start_server(agent=entrypoint, **options):
    return await start_fake_agent_server(transport_mode="telephony", agent=agent, **options)


@pytest.fixture
async def server():
    srv = await start_server()
    yield srv
    await srv.aclose()


def test_mulaw_matches_g711_reference():
    pcm = np.arange(-32768, 32768, 7, dtype="<i2").tobytes()
    encoded = mulaw.encode(pcm)
    assert len(encoded) == len(pcm) // 2
    decoded = np.frombuffer(mulaw.decode(encoded), dtype="<i2").astype(int)
    original = np.frombuffer(pcm, dtype="<i2").astype(int)
    assert np.all(np.abs(decoded - original) <= np.maximum(16, np.abs(original) // 16))
    assert mulaw.encode(b"\x00\x00") == b"\xff"
    audioop = pytest.importorskip("audioop")
    assert encoded == audioop.lin2ulaw(pcm, 2)
    assert mulaw.decode(bytes(range(256))) == audioop.ulaw2lin(bytes(range(256)), 2)


async def test_caller_speech_in_agent_speech_out_with_marks(server):
    async with call(server.url("/twilio", "ws")) as c:
        await c.start(say="hello there")
        await c.speak("hello there", 1.2)
        assert await wait_for(lambda: c.events("mark"), 5.0)
        ctx = CONTEXTS[0]
        assert ctx.metadata["call_sid"] == CALL_SID and ctx.metadata["say"] == "hello there"
        media = c.events("media")
        assert media and all(m["streamSid"] == STREAM_SID for m in media)
        audio = np.frombuffer(c.audio(), dtype="<i2")
        assert len(audio) > 8000 and np.abs(audio).max() > 1000  # ~1.3 s of tone at 8 kHz
        assert c.events("mark")[0]["mark"]["name"] == "agent-1"
        user_texts = [m.text_content for m in SESSIONS[0].agent.chat_context.messages()
                      if m.role.value == "user"]
        assert user_texts == ["hello there"]
        room = next(iter(server.rooms))
        assert await wait_for(lambda: room.played_marks == ["agent-1"], 2.0)


async def test_barge_in_sends_clear_and_stops_the_audio(server):
    async with call(server.url("/twilio", "ws")) as c:
        await c.start(say="stop talking please now@1.0", greeting=LONG_GREETING)
        await c.speak("stop talking please now@1.0", 2.6)
        assert c.events("clear"), [m["event"] for m in c.messages]
        clear_at = c.messages.index(c.events("clear")[0])
        after = [m for m in c.messages[clear_at:] if m["event"] == "media"]
        # at most the 0.4 s fade-out tail follows the clear: 20 frames of 20 ms
        assert len(after) <= 25
        before = [m for m in c.messages[:clear_at] if m["event"] == "media"]
        assert 20 < len(before) < 150  # paced: the 4 s greeting was not sent ahead


async def test_dtmf_reaches_the_session_and_the_handler():
    digits: list[str] = []
    session_events: list[str] = []

    async def agent(ctx: JobContext) -> None:
        handler = DTMFHandler(lambda digit: digits.append(digit))
        session = build_session(ctx, dtmf_handler=handler)
        session.on("dtmf", lambda payload: session_events.append(payload["digit"]))
        await session.start()

    server = await start_server(agent)
    try:
        async with call(server.url("/twilio", "ws")) as c:
            await c.start()
            await c.dtmf("4")
            await c.dtmf("#")
            assert await wait_for(lambda: len(digits) == 2, 2.0)
            assert digits == ["4", "#"] and session_events == ["4", "#"]
            await c.stop()
            await asyncio.wait_for(c.closed.wait(), 3.0)
    finally:
        await server.aclose()


async def test_stop_ends_the_session(server):
    async with call(server.url("/twilio", "ws")) as c:
        await c.start()
        assert await wait_for(lambda: SESSIONS and SESSIONS[0]._started, 2.0)
        await c.stop()
        await asyncio.wait_for(c.closed.wait(), 3.0)
    assert await wait_for(lambda: SESSIONS[0]._closed and server.active_sessions == 0, 3.0)


async def test_media_before_start_is_rejected(server):
    async with call(server.url("/twilio", "ws")) as c:
        await c.send({"event": "media", "streamSid": "x", "media": {"payload": "AAAA"}})
        await asyncio.wait_for(c.closed.wait(), 3.0)
        assert c.close_code == 1008 and "before 'start'" in c.close_reason
    assert not SESSIONS


async def test_token_may_come_in_the_start_message():
    server = await start_server(access_token="tok")
    try:
        async with call(server.url("/twilio", "ws")) as c:
            await c.start(token="wrong")
            await asyncio.wait_for(c.closed.wait(), 3.0)
            assert c.close_code == 1008 and "unauthorized" in c.close_reason
        async with call(server.url("/twilio", "ws")) as c:
            await c.start(token="tok", say="hi")
            assert await wait_for(lambda: SESSIONS and SESSIONS[-1]._started, 2.0)
            assert "token" not in CONTEXTS[-1].metadata
        async with call(server.url("/twilio?token=tok", "ws")) as c:
            await c.start()
            assert await wait_for(lambda: len(SESSIONS) == 2, 2.0)
    finally:
        await server.aclose()


async def test_a_hanging_llm_gets_a_spoken_apology_on_the_phone():
    """The caller is never left in silence: an LLM that never answers is bounded by the first
    token timeout, and the caller hears a short apology (issue: hold up under faults)."""
    from tests.transports.fake_agent import EchoAgent, user_script

    from vocalis import AgentSession, Pipeline, ReplyOptions
    from vocalis.testing import FakeLLM, FakeResponse, FakeSTT, FakeTTS, FakeVAD

    async def hanging(ctx):
        pipeline = Pipeline(
            stt=FakeSTT(user_script(str(ctx.metadata.get("say", "")))),
            llm=FakeLLM([FakeResponse("too late", ttft=120.0)]),
            tts=FakeTTS(), vad=FakeVAD(),
            reply_options=ReplyOptions(first_token_timeout=1.0),
        )
        session = AgentSession(EchoAgent(), pipeline)
        SESSIONS.append(session)
        await session.start()

    srv = await start_server(hanging)
    try:
        async with call(srv.url("/twilio", "ws")) as c:
            await c.start(say="hello there")
            await c.speak("hello there", 1.2)
            assert await wait_for(lambda: len(c.audio()) > 8000, 6.0), "no apology was heard"
            errors = SESSIONS[0].metrics.errors
            assert errors and errors[0]["source"] == "llm"
    finally:
        await srv.aclose()
