"""SIP calls with a real phone (baresip) on loopback: inbound and outbound calls, real speech
both ways, DTMF, hangup from either side, and cold transfer by REFER.

Each test runs one ``SipService`` (PJSIP) and one or two baresip phones; the agent runs through
the same job runner as on the agent server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.plugins.conftest import word_error_rate

from vocalis import Agent, AgentSession, Pipeline
from vocalis.job import JobContext, RoomOptions
from vocalis.job.runner import connection_handler
from vocalis.telephony import DTMFHandler
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript
from vocalis.transports.sip import SipCallRoom, SIPConfig, SipService

from .conftest import piper_wav, transcribe_pcm

pytestmark = pytest.mark.slow

ENDED = r"terminated|session closed"
"""What baresip logs when a call ends (its own hangup, or the agent's BYE)."""

CALLER_SAYS = "Please book a table for two people at seven."
GREETING = "Hello, this is the front desk. How can I help you?"


class Desk(Agent):
    def __init__(self, greeting: str = GREETING) -> None:
        super().__init__(instructions="You are a front desk.")
        self.greeting = greeting
        self.entered_at: float | None = None

    async def on_enter(self) -> None:
        self.entered_at = asyncio.get_running_loop().time()
        await self.session.say(self.greeting)


@contextlib.asynccontextmanager
async def sip_agent(
    build: Callable[[JobContext], AgentSession], config: SIPConfig | None = None
) -> AsyncIterator[tuple[SipService, list[AgentSession]]]:
    """A SIP service whose every call runs ``build(ctx)`` and ``session.start()``."""
    sessions: list[AgentSession] = []

    async def entrypoint(ctx: JobContext) -> None:
        session = build(ctx)
        sessions.append(session)
        await session.start()

    handler = connection_handler(entrypoint, room_options=RoomOptions())
    async with SipService(config or SIPConfig(port=0), handler) as service:
        yield service, sessions


def light_session(ctx: JobContext, **kwargs: Any) -> AgentSession:
    """Fake components: the agent speaks FakeTTS tones and hears nothing in particular."""
    pipeline = Pipeline(vad=FakeVAD(), stt=FakeSTT(UserScript()), llm=FakeLLM([]),
                        tts=FakeTTS())
    return AgentSession(Desk(), pipeline, **kwargs)


async def until(check: Callable[[], Any], timeout: float = 15.0,
                state: Callable[[], Any] | None = None) -> Any:
    """Wait for ``check()`` to hold; on timeout the failure shows ``state()`` (what did happen)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition never held; {state() if state else ''}")
        await asyncio.sleep(0.05)
    return value


def voiced_seconds(pcm: np.ndarray, rate: int) -> float:
    frames = pcm[: len(pcm) // (rate // 50) * (rate // 50)].reshape(-1, rate // 50)
    level = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    return float(np.sum(level > 300)) * 0.02


async def test_inbound_call_carries_real_speech_both_ways(phones: Any, tmp_path: Path) -> None:
    """A caller speaks Piper speech over G.711 mu-law; the agent's Whisper hears it, the caller
    hears the agent's Piper greeting and answer; the caller hangs up and the session ends."""
    from vocalis.plugins.piper import PiperTTS
    from vocalis.plugins.silero import SileroVAD
    from vocalis.plugins.whisper import WhisperSTT

    heard: list[str] = []
    answered: list[str] = []
    closed: list[bool] = []

    def build(ctx: JobContext) -> AgentSession:
        pipeline = Pipeline(vad=SileroVAD(), stt=WhisperSTT(), tts=PiperTTS(noise_scale=0.0),
                            llm=FakeLLM(default="Certainly."))
        session = AgentSession(Desk(), pipeline)
        session.on("user_transcript",
                   lambda p: heard.append(p["text"]) if p.get("is_final") else None)
        session.on("synthesis_complete", lambda *_: answered.append("done"))
        session.on("close", lambda *_: closed.append(True))
        return session

    source = await piper_wav(tmp_path / "caller.wav", CALLER_SAYS, 8000, lead=4.0, tail=40.0)
    async with sip_agent(build) as (service, _sessions):
        caller = await phones("caller", source=source)
        await caller.command("dial", service.address)
        room: SipCallRoom = await until(lambda: next(iter(service.rooms), None))
        await until(lambda: heard and len(answered) >= 2, timeout=40,  # greeting, then answer
                    state=lambda: f"heard {heard}, {len(answered)} replies synthesized")
        await caller.command("hangup")
        await until(lambda: room.closed.is_set())
        assert room.codec.upper() == "PCMU" and room.close_reason == "call_ended"
        assert room.direction == "inbound" and room.answered.is_set()
        await until(lambda: closed)
    assert word_error_rate(CALLER_SAYS, " ".join(heard)) <= 0.25, heard
    pcm, rate = caller.heard()
    assert voiced_seconds(pcm, rate) > 2.0
    greeting = await transcribe_pcm(pcm[: int(4.0 * rate)], rate)
    assert word_error_rate(GREETING, greeting) <= 0.35, greeting


async def test_dtmf_digits_reach_the_handler_and_the_agent_hangs_up(phones: Any) -> None:
    """RFC 4733 digits from the phone reach ``DTMFHandler``; ``session.hangup()`` sends BYE
    (A-law forced on our side)."""
    digits: list[str] = []

    def build(ctx: JobContext) -> AgentSession:
        async def on_digit(digit: str) -> None:
            digits.append(digit)
            if digit == "#":
                await session.hangup("caller pressed #")

        session = light_session(ctx, dtmf_handler=DTMFHandler(on_digit))
        return session

    async with sip_agent(build, SIPConfig(port=0, codecs=("PCMA/8000/1",))) as (service, _):
        caller = await phones("caller")
        await caller.command("dial", service.address)
        await caller.wait_for("Call established")
        room: SipCallRoom = next(iter(service.rooms))
        await until(lambda: room.codec)
        await asyncio.to_thread(caller.press, "42#")
        await caller.wait_for(ENDED, timeout=10)
        await until(lambda: room.closed.is_set())
    assert digits == ["4", "2", "#"]
    assert room.codec.upper() == "PCMA"
    assert room.close_reason == "hangup: caller pressed #"


async def test_outbound_call_greets_only_once_answered(phones: Any) -> None:
    """The agent dials a phone that answers after a while: the greeting starts after the
    answer, over G.722 when both sides offer it, and the phone hears it."""
    async with sip_agent(light_session) as (service, sessions):
        callee = await phones("callee", codecs=("g722", "g711"), answer="manual")
        room = await service.dial(callee.uri)
        await callee.wait_for("Incoming call")
        await asyncio.sleep(1.0)
        assert sessions and sessions[0].agent.entered_at is None
        await callee.command("accept")
        await room.wait_until_answered()
        agent = sessions[0].agent
        await until(lambda: agent.entered_at is not None)
        assert room.answered_at is not None and agent.entered_at >= room.answered_at
        assert room.direction == "outbound"
        await until(lambda: room.codec)
        assert room.codec.upper() == "G722"
        await asyncio.sleep(2.0)
        await callee.command("hangup")
        await until(lambda: room.closed.is_set())
    pcm, rate = callee.heard()
    assert rate == 16000 and voiced_seconds(pcm, rate) > 0.5


async def test_an_outbound_call_that_is_refused_never_greets(phones: Any) -> None:
    async with sip_agent(light_session) as (service, sessions):
        callee = await phones("callee", answer="manual")
        room = await service.dial(callee.uri)
        await callee.wait_for("Incoming call")
        await callee.command("hangup")
        await until(lambda: room.closed.is_set())
        assert room.close_reason.startswith("not answered: 486")
        assert not sessions or sessions[0].agent.entered_at is None


async def test_cold_transfer_by_refer(phones: Any) -> None:
    """``session.call_transfer`` sends REFER: the caller's phone calls the supervisor's, and
    the agent's leg ends."""
    async with sip_agent(light_session) as (service, sessions):
        supervisor = await phones("supervisor")
        caller = await phones("caller")
        await caller.command("dial", service.address)
        await caller.wait_for("Call established")
        await until(lambda: sessions and sessions[0].room is not None)
        await sessions[0].call_transfer(None, supervisor.uri)
        await supervisor.wait_for(r"caller@127\.0\.0\.1", timeout=15)
        room = sessions[0].room
        await until(lambda: room.closed.is_set())
        assert room.close_reason == f"transferred to {supervisor.uri}"
