"""Warm transfer on real SIP calls: a caller (baresip) asks for a person; the agent puts them
on hold, calls the supervisor (another baresip), briefs them, and when they accept bridges the
two calls and leaves. The supervisor then hears the caller's own audio."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vocalis import Agent, AgentSession, Pipeline, function_tool
from vocalis.job import JobContext
from vocalis.testing import (
    FakeLLM,
    FakeResponse,
    FakeSTT,
    FakeToolCall,
    FakeTTS,
    FakeVAD,
    UserScript,
)
from vocalis.warm_transfer import WarmTransferConfig, WarmTransferPhase

from .test_sip_calls import ENDED, sip_agent, until

pytestmark = pytest.mark.slow

CALLER_TONE = 700.0
SUPERVISOR_TONE = 500.0


def tone_wav(path: Path, freq: float, spans: list[tuple[float, float]]) -> Path:
    """A phone's microphone: a tone during ``spans`` (seconds), silence elsewhere (60 s). The
    fake VAD hears the tone as speech and the fake STT puts the script's words there."""
    t = np.arange(8000 * 60) / 8000
    pcm = np.sin(2 * np.pi * freq * t) * 6000
    voiced = np.zeros_like(t, dtype=bool)
    for start, end in spans:
        voiced |= (t >= start) & (t < end)
    pcm = (pcm * voiced).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(pcm.tobytes())
    return path


def strongest_frequency(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    return float(np.argmax(spectrum) * rate / len(pcm))


class FrontDesk(Agent):
    def __init__(self, supervisor: str, results: list[Any]) -> None:
        super().__init__(instructions="You answer calls.")
        self.supervisor = supervisor
        self.results = results

    @function_tool
    async def escalate(self) -> str:
        """Connect the caller with a human supervisor."""
        config = WarmTransferConfig(
            destination=self.supervisor,
            summary_llm=FakeLLM([FakeResponse("The caller wants to dispute a charge.")]),
            briefing_pipeline_factory=briefing_pipeline, supervisor_join_timeout=15,
            briefing_timeout=20)
        result = await self.session.warm_transfer(config)
        self.results.append(result)
        return "transferred" if result.success else f"not transferred: {result.error}"


def briefing_pipeline() -> Pipeline:
    """The briefing call: the supervisor says yes 3 s into the call (their phone plays a tone
    then); the LLM narrates, then calls ``done_briefing``."""
    supervisor = UserScript().says("yes I am ready put them through", at=3.0, duration=1.5)
    llm = FakeLLM([
        FakeResponse("A caller disputes a charge. Are you ready to take the call?"),
        FakeResponse(tool_calls=[FakeToolCall("done_briefing", {})]),
        FakeResponse("Connecting them now."),
    ])
    return Pipeline(vad=FakeVAD(), stt=FakeSTT(supervisor), llm=llm, tts=FakeTTS())


async def test_warm_transfer_briefs_the_supervisor_then_bridges_the_caller(
    phones: Any, tmp_path: Path
) -> None:
    results: list[Any] = []
    phases: list[str] = []
    holds: list[dict] = []
    supervisor = await phones(
        "supervisor", source=tone_wav(tmp_path / "yes.wav", SUPERVISOR_TONE, [(3.0, 4.5)]))

    def build(ctx: JobContext) -> AgentSession:
        caller_says = UserScript().says("I want to talk to a person", at=1.0, duration=1.5)
        llm = FakeLLM([FakeResponse(tool_calls=[FakeToolCall("escalate", {})]),
                       FakeResponse("You are connected.")])
        pipeline = Pipeline(vad=FakeVAD(), stt=FakeSTT(caller_says), llm=llm, tts=FakeTTS())
        session = AgentSession(FrontDesk(supervisor.uri, results), pipeline)
        session.on_warm_transfer(callback=lambda p: phases.append(p["phase"].value))
        session.on_warm_transfer(phase="caller_on_hold", callback=holds.append)
        return session

    async with sip_agent(build) as (service, sessions):
        caller = await phones("caller", source=tone_wav(
            tmp_path / "caller.wav", CALLER_TONE, [(1.0, 2.5), (10.0, 60.0)]))
        await caller.command("dial", service.address)
        await until(lambda: results, timeout=40, state=lambda: f"phases so far: {phases}")
        result = results[0]
        assert result.success, result
        assert result.phase is WarmTransferPhase.TRANSFER_COMPLETE
        assert result.summary == "The caller wants to dispute a charge."
        assert phases == [p.value for p in (
            WarmTransferPhase.STARTED, WarmTransferPhase.SUMMARY_GENERATING,
            WarmTransferPhase.SUMMARY_READY, WarmTransferPhase.CALLER_ON_HOLD,
            WarmTransferPhase.CONSULTATION_ROOM_CREATED, WarmTransferPhase.SUPERVISOR_DIALED,
            WarmTransferPhase.SUPERVISOR_JOINED, WarmTransferPhase.BRIEFING_STARTED,
            WarmTransferPhase.BRIEFING_COMPLETE, WarmTransferPhase.CALL_SWITCHED,
            WarmTransferPhase.TRANSFER_COMPLETE)]
        assert len(holds) == 1
        room = sessions[0].room
        await until(lambda: room.closed.is_set())
        assert room.close_reason == "hangup: warm_transfer_complete" and room.bridge is not None
        await asyncio.sleep(4.0)  # the supervisor now hears the caller's tone (from 10 s on)
        await caller.command("hangup")
        await supervisor.wait_for(ENDED, timeout=10)
    pcm, rate = supervisor.heard()
    tail = pcm[-int(1.5 * rate):]
    assert np.abs(tail).max() > 2000
    assert abs(strongest_frequency(tail, rate) - CALLER_TONE) < 10


async def test_a_supervisor_who_does_not_answer_leaves_the_caller_with_the_agent(
    phones: Any, tmp_path: Path
) -> None:
    """The supervisor's phone rejects the call. The transfer task keeps going although the
    tool that started it is cancelled at once (a barge-in); it ends cancelled, the caller is
    taken off hold and hears an apology, and the call goes on with the agent."""
    phases: list[str] = []
    apologies: list[str] = []
    supervisor = await phones("supervisor", answer="manual")

    class ImpatientDesk(FrontDesk):
        @function_tool
        async def escalate(self) -> str:
            """Connect the caller with a human supervisor."""
            transfer = asyncio.ensure_future(self.session.warm_transfer(WarmTransferConfig(
                destination=supervisor.uri, briefing_pipeline_factory=briefing_pipeline)))
            await asyncio.sleep(0.2)
            transfer.cancel()  # what a barge-in does to a running tool
            return "cancelled"

    def build(ctx: JobContext) -> AgentSession:
        caller_says = UserScript().says("I want to talk to a person", at=1.0, duration=1.5)
        llm = FakeLLM([FakeResponse(tool_calls=[FakeToolCall("escalate", {})]),
                       FakeResponse("One moment.")])
        pipeline = Pipeline(vad=FakeVAD(), stt=FakeSTT(caller_says), llm=llm, tts=FakeTTS())
        session = AgentSession(ImpatientDesk(supervisor.uri, []), pipeline)
        session.on_warm_transfer(callback=lambda p: phases.append(p["phase"].value))
        session.on("agent_text", lambda p: apologies.append(p["text"]))
        return session

    async with sip_agent(build) as (service, sessions):
        caller = await phones("caller", source=tone_wav(
            tmp_path / "caller.wav", CALLER_TONE, [(1.0, 2.5)]))
        await caller.command("dial", service.address)
        await supervisor.wait_for("Incoming call", timeout=20)
        await supervisor.command("hangup")
        await until(lambda: "transfer_cancelled" in phases, timeout=20)
        room = sessions[0].room
        assert not room.on_hold and not room.closed.is_set()
        assert "supervisor_joined" not in phases and "call_switched" not in phases
        await until(lambda: any("couldn't reach a supervisor" in t for t in apologies))
