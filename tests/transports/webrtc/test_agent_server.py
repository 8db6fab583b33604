"""The WebRTC routes on the shared agent server: token check, a real AgentSession per call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from vocalis import Agent, AgentSession, Pipeline
from vocalis.job import JobContext
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript
from vocalis.transports.server import AgentServer, ServerLimits
from vocalis.transports.webrtc import add_webrtc_routes

from .peer import BrowserPeer

TOKEN = "s3cret-token"


class Greeter(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Repeat what the user says.")

    async def on_enter(self) -> None:
        await self.session.say("Hello.")


def _echo(chat: Any) -> str:
    users = [m.text_content for m in chat.messages() if m.role.value == "user"]
    return f"You said: {users[-1]}"


async def entrypoint(ctx: JobContext) -> None:
    pipeline = Pipeline(
        stt=FakeSTT(UserScript()), llm=FakeLLM(respond=_echo), tts=FakeTTS(), vad=FakeVAD()
    )
    session = AgentSession(Greeter(), pipeline)
    await session.start(wait_for_participant=True, run_until_shutdown=True)


@pytest.fixture
async def agent_server() -> AsyncIterator[AgentServer]:
    from vocalis.job import RoomOptions
    from vocalis.job.runner import connection_handler

    limits = ServerLimits(max_message_bytes=1 << 20, max_sessions=4, access_token=TOKEN)
    server = AgentServer(
        connection_handler(entrypoint, room_options=RoomOptions()),
        host="127.0.0.1",
        port=0,
        limits=limits,
        routes=[add_webrtc_routes],
    )
    await server.start()
    yield server
    await server.aclose()


async def test_the_page_and_the_offer_need_the_token(agent_server: AgentServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(agent_server.url("/")) as response:
            assert response.status == 401
        async with http.get(agent_server.url(f"/?token={TOKEN}")) as response:
            assert response.status == 200
        async with http.post(agent_server.url("/offer"), json={"sdp": "x", "type": "offer"}) as r:
            assert r.status == 401
    with pytest.raises(RuntimeError, match="401"):
        await BrowserPeer(agent_server.url("").rstrip("/"), token="wrong").connect()


async def test_a_call_runs_the_entrypoint_and_talks_back(agent_server: AgentServer) -> None:
    peer = BrowserPeer(agent_server.url("").rstrip("/"), token=TOKEN, tone=False)
    await peer.connect()
    try:
        await peer.wait_for(lambda e: e["type"] == "ready", timeout=10)
        greeting = await peer.wait_for(lambda e: e["type"] == "agent_text", timeout=10)
        assert greeting["text"] == "Hello."
        await peer.wait_for(lambda e: e == {"type": "agent_state", "state": "speaking"})
        await peer.channel_open.wait()
        peer.send_text("What is two plus two?")
        reply = await peer.wait_for(
            lambda e: e["type"] == "agent_text" and e["text"].startswith("You said"), timeout=10
        )
        assert reply["text"] == "You said: What is two plus two?"
        async with asyncio.timeout(10):  # FakeTTS's tone reaches the browser
            while max(peer.audio_levels, default=0) < 1000:
                await asyncio.sleep(0.05)
        assert agent_server.active_sessions == 1
    finally:
        await peer.close()
    async with asyncio.timeout(10):  # the browser left: the job ends and frees its slot
        while agent_server.active_sessions:
            await asyncio.sleep(0.05)


async def test_a_bad_offer_gets_a_generic_reason(agent_server: AgentServer) -> None:
    bad_sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=internal-detail\r\nm=bogus\r\n"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(agent_server.url("/offer"), json={"sdp": bad_sdp}) as response:
            body = await response.json()
        assert response.status == 400
        assert body == {"error": "could not accept the offer: is it a valid SDP audio offer?"}
        nested = "[" * 100_000 + "]" * 100_000
        async with http.post(agent_server.url("/offer"), data=nested) as response:
            assert response.status == 400
