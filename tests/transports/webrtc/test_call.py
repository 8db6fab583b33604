"""A whole browser call on loopback: an aiortc peer talks to the server through POST /offer."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import numpy as np
import pytest

from vocalis.audio import OutputTrack
from vocalis.transports.webrtc import WebRTCRoom
from vocalis.utils.events import EventEmitter

from .peer import BrowserPeer


class RecordingSession(EventEmitter[str]):
    """What the bridge needs of an AgentSession, recording what the browser sent."""

    agent_state = None

    def __init__(self) -> None:
        super().__init__()
        self.output_track = OutputTrack()
        self.audio: list[tuple[bytes, int]] = []
        self.texts: list[str] = []
        self.got_audio = asyncio.Event()

    async def push_audio(self, pcm: bytes, sample_rate: int) -> None:
        self.audio.append((pcm, sample_rate))
        if len(self.audio) >= 25:
            self.got_audio.set()

    async def send_text(self, text: str) -> None:
        self.texts.append(text)
        self.emit("agent_text", {"text": f"You said: {text}"})


class Job:
    """The server side of the tests' calls: one session per room, kept for inspection."""

    def __init__(self) -> None:
        self.rooms: list[WebRTCRoom] = []
        self.sessions: list[RecordingSession] = []
        self.metadata: list[dict[str, Any]] = []
        self.ended = asyncio.Event()

    async def __call__(self, room: WebRTCRoom, metadata: dict[str, Any]) -> None:
        session = RecordingSession()
        self.rooms.append(room)
        self.sessions.append(session)
        self.metadata.append(metadata)
        room.attach_session(session)
        try:
            await room.closed.wait()
        finally:
            await session.output_track.aclose()
            self.ended.set()


async def test_audio_events_and_text_flow_both_ways(server: Any) -> None:
    job = Job()
    await server.start(job)
    peer = BrowserPeer(server.base_url)
    answer = await peer.connect()
    assert answer["type"] == "answer" and answer["room_id"].startswith("webrtc_")
    try:
        await peer.wait_for(lambda e: e["type"] == "ready")
        room, session = job.rooms[0], job.sessions[0]
        assert await room.wait_for_participant(timeout=5)
        assert job.metadata[0]["transport"] == "webrtc"

        # Browser → agent: 48 kHz stereo Opus arrives as mono 16-bit PCM with its rate.
        await asyncio.wait_for(session.got_audio.wait(), 5)
        pcm, rate = session.audio[-1]
        assert rate == 48000 and len(pcm) == 960 * 2
        level = np.sqrt(np.mean(np.frombuffer(pcm, dtype="<i2").astype(np.float64) ** 2))
        assert 3000 < level < 8000  # the 8000-peak tone, through Opus

        # Agent → browser: what the session's output track plays reaches the peer.
        t = np.arange(24000) / 24000
        tone = (6000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16).tobytes()
        await session.output_track.add_new_bytes(tone)
        async with asyncio.timeout(5):
            while max(peer.audio_levels[-10:], default=0) < 1000:
                await asyncio.sleep(0.05)

        # Events out, typed text in.
        session.emit("user_transcript", {"text": "hello there", "is_final": True})
        await peer.wait_for(lambda e: e.get("text") == "hello there" and e["is_final"])
        peer.send_text("What time is it?")
        reply = await peer.wait_for(lambda e: e["type"] == "agent_text")
        assert reply["text"] == "You said: What time is it?"
        assert session.texts == ["What time is it?"]
    finally:
        await peer.close()
    await asyncio.wait_for(job.ended.wait(), 10)  # the browser hung up: the room ends


async def test_closing_the_session_ends_the_room(server: Any) -> None:
    job = Job()
    await server.start(job)
    peer = BrowserPeer(server.base_url, tone=False)
    await peer.connect()
    try:
        await peer.wait_for(lambda e: e["type"] == "ready")
        room = job.rooms[0]
        job.sessions[0].emit("close", {})
        await asyncio.wait_for(room.closed.wait(), 5)
        assert room.close_reason == "session_closed"
    finally:
        await peer.close()


async def test_the_token_check_guards_the_offer(server: Any) -> None:
    job = Job()
    await server.start(
        job, authorize=lambda request: request.headers.get("Authorization") == "Bearer s3cret"
    )
    with pytest.raises(RuntimeError, match="401"):
        await BrowserPeer(server.base_url, token="wrong").connect()
    peer = BrowserPeer(server.base_url, token="s3cret")
    await peer.connect()
    await peer.wait_for(lambda e: e["type"] == "ready")
    await peer.close()
    assert len(job.rooms) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [("nonsense", 400), ({"type": "offer"}, 400), ({"sdp": "v=0", "type": "answer"}, 400)],
)
async def test_bad_offers_are_rejected(server: Any, body: Any, status: int) -> None:
    job = Job()
    await server.start(job)
    async with aiohttp.ClientSession() as http:
        kwargs = {"data": body} if isinstance(body, str) else {"json": body}
        async with http.post(f"{server.base_url}/offer", **kwargs) as response:
            assert response.status == status
            assert "error" in await response.json()
    assert job.rooms == []


async def test_an_unparsable_sdp_is_a_400_not_a_crash(server: Any) -> None:
    await server.start(Job())
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.base_url}/offer", json={"sdp": "garbage", "type": "offer"}) as resp,
    ):
        assert resp.status == 400


async def test_the_page_is_served_with_its_script_inlined(server: Any) -> None:
    await server.start(Job())
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.base_url}/") as response:
            html = await response.text()
            assert response.status == 200
            assert response.content_type == "text/html"
        async with http.get(f"{server.base_url}/app.js") as response:
            assert response.status == 200
            script = await response.text()
    assert 'id="talk"' in html and "<script>" in html and 'src="app.js"' not in html
    assert "createDataChannel" in script and script.strip() in html.replace(
        "<\\/script", "</script"
    )
