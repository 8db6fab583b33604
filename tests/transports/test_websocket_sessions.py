"""Many sessions in one process, and clients that leave in the middle of a session."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from tests.transports.fake_agent import SESSIONS, start_fake_agent_server
from tests.transports.ws_client import connect, speak, wait_for

WORDS = ["apple", "banana", "cherry", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
         "sierra", "tango"]


@pytest.fixture
async def server():
    srv = await start_fake_agent_server()
    yield srv
    await srv.aclose()


async def one_client(server, index: int) -> tuple[list[str], list[str], int]:
    text = f"number {WORDS[index]}"
    url = server.url(f"/ws?say={text.replace(' ', '+')}", "ws")
    async with connect(url) as (ws, got):
        await speak(ws, text, 1.2)
        await wait_for(lambda: got.transcripts("agent") and len(got.audio) > 24000, 10.0)
        return got.transcripts("user"), got.transcripts("agent"), len(got.audio)


async def test_twenty_concurrent_sessions_each_get_their_own_answer(server):
    results = await asyncio.gather(*(one_client(server, i) for i in range(20)))
    for i, (users, agents, audio_bytes) in enumerate(results):
        assert users == [f"number {WORDS[i]}"], (i, users)
        assert agents == [f"You said: number {WORDS[i]}."], (i, agents)
        assert audio_bytes > 24000
    # Every session ends once its client leaves (a liveness bound, not a speed target).
    assert await wait_for(lambda: server.active_sessions == 0, 30.0)
    assert len(SESSIONS) == 20 and all(s._closed for s in SESSIONS)


def tasks_now() -> set[asyncio.Task]:
    return {t for t in asyncio.all_tasks() if not t.done()}


async def test_client_vanishing_mid_session_closes_its_session_without_leaks(server):
    before = tasks_now()
    closed = asyncio.Event()
    http = aiohttp.ClientSession()
    ws = await http.ws_connect(server.url("/ws?say=hello+there", "ws"))
    assert await wait_for(lambda: len(SESSIONS) == 1 and SESSIONS[0]._started, 2.0)
    SESSIONS[0].on("close", lambda *_: closed.set())
    await speak(ws, "hello there", 0.5)  # mid-utterance
    ws._response.connection.transport.abort()  # no close frame: the client just vanishes
    await asyncio.wait_for(closed.wait(), 5.0)
    assert await wait_for(lambda: server.active_sessions == 0, 3.0)
    await http.close()
    await asyncio.sleep(0.1)
    leaked = tasks_now() - before
    assert not leaked, leaked


async def test_polite_close_mid_reply_closes_the_session(server):
    closed = asyncio.Event()
    async with connect(server.url("/ws?say=hello+there", "ws")) as (ws, got):
        assert await wait_for(lambda: len(SESSIONS) == 1 and SESSIONS[0]._started, 2.0)
        SESSIONS[0].on("close", lambda *_: closed.set())
        await speak(ws, "hello there", 1.2)
        assert await wait_for(lambda: len(got.audio) > 0, 3.0)
    await asyncio.wait_for(closed.wait(), 3.0)
    assert await wait_for(lambda: server.active_sessions == 0, 3.0)
