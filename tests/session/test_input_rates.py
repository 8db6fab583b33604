"""Every consumer of user audio gets the whole stream, whatever rate the transport delivers."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from tests.scenarios.agents import Greeter

from vocalis import AgentSession, Pipeline
from vocalis.audio import resample_pcm
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript, run_virtual


class RecordingSTT(FakeSTT):
    def __init__(self) -> None:
        super().__init__(UserScript())
        self.audio = bytearray()

    async def process_audio(self, audio_frames: bytes, language=None, **kwargs) -> None:
        self.audio += audio_frames


class RecordingVAD(FakeVAD):
    def __init__(self) -> None:
        super().__init__()
        self.audio = bytearray()

    async def process_audio(self, audio_frames: bytes, **kwargs) -> None:
        self.audio += audio_frames


def _chirp(rate: int, seconds: float) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (8000 * np.sin(2 * np.pi * (200 + 400 * t) * t)).astype(np.int16).tobytes()


@pytest.mark.parametrize("rate", [8000, 16000, 24000, 44100, 48000])
def test_vad_and_stt_each_receive_the_whole_stream(rate):
    stt, vad = RecordingSTT(), RecordingVAD()
    audio = _chirp(rate, 2.0)
    frame = rate // 50 * 2

    async def scenario():
        session = AgentSession(Greeter(greeting=None), Pipeline(stt=stt, vad=vad, llm=FakeLLM(), tts=FakeTTS()))
        await session.start()
        for i in range(0, len(audio), frame):
            await session.push_audio(audio[i:i + frame], rate)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)
        await session.close()

    run_virtual(scenario())
    expected = np.frombuffer(resample_pcm(audio, rate, 16000), dtype=np.int16).astype(np.float64)
    for consumer in (stt, vad):
        got = np.frombuffer(bytes(consumer.audio), dtype=np.int16).astype(np.float64)
        assert abs(len(got) - len(expected)) <= 16000 * 0.1, (type(consumer).__name__, len(got), len(expected))
        n = min(len(got), len(expected)) - 800
        lag = int(np.argmax([np.dot(got[400:n], expected[400 + k:n + k]) for k in range(-200, 201)])) - 200
        a, b = got[400:n], expected[400 + lag:n + lag]
        snr = 10 * np.log10(np.sum(b ** 2) / max(np.sum((a - b) ** 2), 1e-9))
        assert snr > 25, (type(consumer).__name__, rate, snr)
