"""Fixtures of the gateway-server tests: a running ``vocalis gateway`` on an ephemeral port,
and real speech synthesised once with Piper."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from tests.plugins.conftest import LOCAL_PACKAGES, require

from vocalis.gateway import GatewayConfig, GatewayServer

TOKEN = "gateway-test-token-0123456789abcdef"
SENTENCE = "Please book a table for two people at seven."


def piper_16k(text: str) -> bytes:
    """``text`` spoken by Piper (deterministically) as 16 kHz PCM."""
    import soxr

    from vocalis.plugins.piper import PiperTTS

    async def speak() -> tuple[bytes, int]:
        tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
        return b"".join([c async for c in tts.stream_synthesize(text)]), tts.sample_rate

    pcm, rate = asyncio.run(speak())
    audio = np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0
    return (np.clip(soxr.resample(audio, rate, 16000), -1, 1) * 32767).astype("<i2").tobytes()


@pytest.fixture(scope="session")
def sentence_16k() -> bytes:
    """``SENTENCE`` spoken by Piper at 16 kHz, with half a second of silence after it."""
    require(*LOCAL_PACKAGES, "faster_whisper")
    return piper_16k(SENTENCE) + bytes(16000)


@pytest.fixture
async def gateway(monkeypatch: pytest.MonkeyPatch):
    require(*LOCAL_PACKAGES, "faster_whisper")
    monkeypatch.setenv("VIDEOSDK_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("LIVEKIT_API_KEY", "any-key")
    monkeypatch.setenv("LIVEKIT_API_SECRET", TOKEN)
    server = GatewayServer(GatewayConfig(port=0, token=TOKEN, max_stt_sessions=1,
                                         max_tts_sessions=2))
    await server.start()
    try:
        yield server
    finally:
        await server.aclose()
