"""Fixtures of the gateway-client tests: the fake gateways, credentials, a recording track."""

from __future__ import annotations

import asyncio

import pytest
from tests.fakes.livekit_gateway import API_KEY, API_SECRET, FakeLiveKitGateway
from tests.fakes.videosdk_gateway import TOKEN, FakeVideoSDKGateway


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIDEOSDK_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("LIVEKIT_API_KEY", API_KEY)
    monkeypatch.setenv("LIVEKIT_API_SECRET", API_SECRET)
    for name in ("LIVEKIT_INFERENCE_URL", "LIVEKIT_URL", "LIVEKIT_INFERENCE_API_KEY",
                 "LIVEKIT_INFERENCE_API_SECRET", "LIVEKIT_REMOTE_EOT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def vsdk():
    server = await FakeVideoSDKGateway().start()
    try:
        yield server
    finally:
        await server.aclose()


@pytest.fixture
async def lk():
    server = await FakeLiveKitGateway().start()
    try:
        yield server
    finally:
        await server.aclose()


class RecordingTrack:
    """The audio-track interface: records pushed PCM and interrupts."""

    can_pause = False

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.interrupts = 0
        self.completed = 0

    async def add_new_bytes(self, audio: bytes) -> None:
        self.chunks.append(bytes(audio))

    def interrupt(self) -> None:
        self.interrupts += 1

    def mark_synthesis_complete(self) -> None:
        self.completed += 1

    @property
    def audio(self) -> bytes:
        return b"".join(self.chunks)


@pytest.fixture
def track() -> RecordingTrack:
    return RecordingTrack()


async def until(predicate, timeout: float = 3.0) -> None:
    """Wait for ``predicate()`` on the loopback (fails the test after ``timeout``)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)
