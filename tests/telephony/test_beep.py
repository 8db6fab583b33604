"""Beep detection: answering-machine tones found at their end in real speech over the phone
(Piper speech, mu-law), never in speech alone; and what the session does with a beep."""

from __future__ import annotations

import asyncio
import importlib.util

import numpy as np
import pytest

from vocalis import Agent, AgentSession, Pipeline, VoiceMailDetector
from vocalis.telephony.beep import BeepDetector
from vocalis.testing import FakeLLM, FakeResponse, FakeSTT, FakeTTS, FakeVAD, UserScript
from vocalis.transports.telephony import mulaw
from vocalis.utils import run_virtual

RATE = 8000
GREETING = "Hi, you have reached Sam. Please leave a message after the tone."
ANSWERS = ("Hello, who is this?", "Good morning, this is the front desk, how can I help?",
           "Yeah hello? I can't hear you very well.")


def tone(freq: float, seconds: float, level: float = 9000) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.sin(2 * np.pi * freq * t) * level


def phone_line(audio: np.ndarray, seed: int = 0) -> bytes:
    """``audio`` with line noise, through G.711 mu-law and back, as 8 kHz PCM."""
    noisy = audio + np.random.default_rng(seed).standard_normal(len(audio)) * 150
    pcm = np.clip(noisy, -32768, 32767).astype("<i2").tobytes()
    return mulaw.decode(mulaw.encode(pcm))


def detect(pcm: bytes, rate: int = RATE) -> list:
    detector = BeepDetector()
    chunk = rate // 50 * 2
    return [b for i in range(0, len(pcm), chunk) for b in detector.push(pcm[i:i + chunk], rate)]


@pytest.fixture(scope="module")
def speech() -> dict[str, np.ndarray]:
    if importlib.util.find_spec("piper") is None:
        pytest.skip("piper not installed (pip install 'vocalis[local]')")
    from vocalis.audio import resample_pcm
    from vocalis.plugins.piper import PiperTTS

    async def synthesize() -> dict[str, np.ndarray]:
        tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
        out = {}
        for text in (GREETING, *ANSWERS):
            pcm = b"".join([c async for c in tts.stream_synthesize(text)])
            out[text] = np.frombuffer(resample_pcm(pcm, tts.sample_rate, RATE), "<i2").astype(float)
        return out

    return asyncio.run(synthesize())


@pytest.mark.parametrize(("freq", "seconds"), [(440, 0.25), (850, 0.5), (1000, 0.15),
                                               (1400, 1.0), (2000, 0.4)])
def test_a_beep_after_a_greeting_is_found_when_it_ends(speech, freq, seconds) -> None:
    greeting = speech[GREETING]
    audio = np.concatenate([greeting, np.zeros(int(0.4 * RATE)), tone(freq, seconds),
                            np.zeros(RATE)])
    beeps = detect(phone_line(audio))
    assert len(beeps) == 1, beeps
    end = (len(greeting) + 0.4 * RATE) / RATE + seconds
    assert abs(beeps[0].frequency - freq) < 15
    assert 0.0 <= beeps[0].ended_at - end <= 0.06
    assert abs(beeps[0].duration - seconds) <= 0.06


def test_speech_alone_has_no_beep(speech) -> None:
    for text, audio in speech.items():
        assert detect(phone_line(audio, seed=len(text))) == [], text


def test_a_dial_tone_or_silence_is_not_a_beep() -> None:
    assert detect(phone_line(tone(425, 6.0))) == []
    assert detect(bytes(RATE * 4)) == []
    assert detect(phone_line(np.zeros(RATE * 3))) == []


def test_any_input_rate_works() -> None:
    t = np.arange(int(0.3 * 16000)) / 16000
    beep = (np.sin(2 * np.pi * 1000 * t) * 9000).astype("<i2").tobytes()
    beeps = detect(bytes(16000) + beep + bytes(16000), rate=16000)
    assert [round(b.frequency) for b in beeps] == [1000]


class Caller(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="You call people.")
        self.message_after: float | None = None

    async def voicemail(self) -> None:
        beep = await self.session.wait_for_beep(timeout=5.0)
        if beep is not None:
            self.message_after = asyncio.get_running_loop().time()
            await self.session.say("Hi Sam, this is the dentist confirming tomorrow at nine.")


def test_a_beep_settles_the_voicemail_check_and_the_agent_speaks_after_it() -> None:
    """The machine's greeting has no words the LLM gets to judge in time: the beep alone makes
    it a voicemail, fires the callback, and ``wait_for_beep`` hands it the tone."""
    events: list[tuple[str, dict]] = []

    async def call() -> Caller:
        agent = Caller()
        classifier = FakeLLM([FakeResponse("no")])
        detector = VoiceMailDetector(classifier, agent.voicemail, duration=2.0)
        pipeline = Pipeline(vad=FakeVAD(), stt=FakeSTT(UserScript()), llm=FakeLLM([]),
                            tts=FakeTTS())
        session = AgentSession(agent, pipeline, voice_mail_detector=detector)
        for name in ("voicemail_beep", "voicemail_result"):
            session.on(name, lambda p, _n=name: events.append((_n, p)))
        await session.start()
        audio = np.concatenate([np.zeros(RATE), tone(1000, 0.4), np.zeros(2 * RATE)])
        pcm = audio.astype("<i2").tobytes()
        for i in range(0, len(pcm), 320):
            await session.push_audio(pcm[i:i + 320], RATE)
            await asyncio.sleep(0.02)
        await asyncio.sleep(4.0)
        await session.close()
        return agent

    agent = run_virtual(call())
    assert [n for n, _ in events] == ["voicemail_beep", "voicemail_result"]
    assert abs(events[0][1]["frequency"] - 1000) < 15
    assert events[1][1] == {"is_voicemail": True}
    assert agent.message_after is not None
