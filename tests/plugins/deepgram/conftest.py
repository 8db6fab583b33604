"""Fixtures of the Deepgram plugin tests: the fake server, a clean environment, a fake track."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", ".."))

from tests.fakes.deepgram import FakeDeepgram


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)


@pytest.fixture
async def fake():
    server = await FakeDeepgram().start()
    try:
        yield server
    finally:
        await server.aclose()


class FakeTrack:
    """The audio-track interface: records pushed PCM and interrupts."""

    can_pause = False

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.interrupts: list[int] = []  #: len(chunks) at each interrupt

    async def add_new_bytes(self, audio: bytes) -> None:
        self.chunks.append(bytes(audio))

    def interrupt(self) -> None:
        self.interrupts.append(len(self.chunks))

    @property
    def audio(self) -> bytes:
        return b"".join(self.chunks)


@pytest.fixture
def track() -> FakeTrack:
    return FakeTrack()
