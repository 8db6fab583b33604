"""A phone call to an agent whose STT, voice and interruption detector all go through a
``vocalis gateway`` (both started here as the user would: subprocesses on loopback ports).

The caller speaks real speech (Piper and espeak-ng voices) over ``/twilio`` (8 kHz mu-law):
what reached the agent's LLM must match what Whisper hears offline in the same received audio,
the caller must hear the agent's spoken reply, and "wait, stop" over the agent's long answer
must stop it (the gateway's barge-in model scoring the overlap) and be heard.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from benchmarks.quality.clips import step_clips
from benchmarks.quality.conversation import play
from benchmarks.quality.corpus import Step
from benchmarks.quality.echo_agent import GATEWAY_ENV
from benchmarks.quality.lines import open_line
from benchmarks.quality.microphone import Microphone
from benchmarks.quality.record import CallRecord
from benchmarks.quality.scoring import CallScore, score_call
from benchmarks.quality.server import (
    ECHO_AGENT,
    SERVE_OPTIONS,
    agent_env,
    free_port,
    llm_turns,
    read_log,
    stop_popen,
    vocalis_command,
)
from benchmarks.quality.yardstick import OfflineWhisper
from tests.quality.hearing import Hearing, Yardstick
from tests.quality.requirements import skip_without_real_speech

skip_without_real_speech()

pytestmark = pytest.mark.slow

TOKEN = "gateway-call-token-0123456789abcdef"
RATE = 8000
START_TIMEOUT = 120.0
REPLY_TIMEOUT = 12.0
QUESTIONS = (
    Step("turn", "What is the weather like in Paris today?", "espeak-us"),
    Step("turn", "Please book a table for two people at seven.", "piper-joe"),
)
INTERRUPTION = Step("story", "Please tell me a story.", "piper-joe",
                    overlay=("Wait, stop, I have a different question.",),
                    overlay_kind="interruption")


@dataclass(frozen=True)
class Servers:
    gateway_url: str
    agent_url: str
    log: Path


def _wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{what} did not come up within {START_TIMEOUT:.0f} s")




@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """``vocalis gateway``, then ``vocalis serve`` of the echo agent pointed at it."""
    workdir = tmp_path_factory.mktemp("gateway-call")
    gateway_port, agent_port = free_port(), free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    log = workdir / "llm.jsonl"
    env = {**agent_env(log), GATEWAY_ENV: gateway_url, "VIDEOSDK_AUTH_TOKEN": TOKEN,
           "LIVEKIT_API_KEY": "agent", "LIVEKIT_API_SECRET": TOKEN,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(Path.cwd()),
                                                       os.environ.get("PYTHONPATH")]))}
    with open(workdir / "gateway.log", "wb") as gateway_out, \
            open(workdir / "agent.log", "wb") as agent_out:
        gateway = subprocess.Popen(
            vocalis_command("gateway", "--port", str(gateway_port), "--token", TOKEN),
            env=env, stdout=gateway_out, stderr=subprocess.STDOUT)
        agent = None
        try:
            _wait_for(f"{gateway_url}/health", gateway, "vocalis gateway")
            agent = subprocess.Popen(
                vocalis_command("serve", str(ECHO_AGENT), "--port", str(agent_port),
                                *SERVE_OPTIONS),
                env=env, stdout=agent_out, stderr=subprocess.STDOUT)
            agent_url = f"http://127.0.0.1:{agent_port}"
            _wait_for(f"{agent_url}/notices", agent, "vocalis serve")
            yield Servers(gateway_url, agent_url, log)
        finally:
            for process in (agent, gateway):
                if process is not None:
                    stop_popen(process)


async def _call(servers: Servers, steps: list[Step]) -> CallRecord:
    mic = Microphone(RATE)
    call_id = f"gateway-{uuid.uuid4().hex[:6]}"
    async with open_line("twilio", servers.agent_url, mic, call_id) as line:
        await play(line, [(s, *step_clips(s, RATE)) for s in steps], reply_timeout=REPLY_TIMEOUT)
        await asyncio.sleep(1.0)
    record = CallRecord("twilio", "clean", RATE, mic.sent(), mic.utterances, line.agent,
                        interrupts=list(line.interrupts), notes=list(line.notes))
    record.llm_turns = llm_turns(read_log(servers.log, call_id))
    return record


@pytest.fixture(scope="module")
def calls(servers: Servers) -> dict[str, tuple[CallScore, CallRecord]]:
    """Both calls at once (two callers on one gateway), scored."""

    async def both() -> list[CallRecord]:
        return await asyncio.gather(_call(servers, list(QUESTIONS)), _call(servers, [INTERRUPTION]))

    records = asyncio.run(both())
    return {name: (score_call(r, {}), r) for name, r in zip(("questions", "barge-in"), records,
                                                             strict=True)}


def _heard(record: CallRecord, index: int, heard: str, turns: int) -> Hearing:
    only = CallRecord(record.path, record.condition, record.rate, record.sent,
                      [record.utterances[index]], record.agent)
    return Hearing(heard, Yardstick().decode(only), turns)


def _reply_text(record: CallRecord, after: float, seconds: float = 4.0) -> str:
    """What the caller heard the agent say after ``after`` (wall clock), decoded offline."""
    audio = record.agent.render(after, seconds, rate=16000)
    return OfflineWhisper()(audio.astype(np.float32) / 32768.0)


def test_the_agent_hears_the_caller_and_answers_through_the_gateway(
    calls: dict[str, tuple[CallScore, CallRecord]],
) -> None:
    score, record = calls["questions"]
    for i, result in enumerate(score.utterances):
        hearing = _heard(record, i, result.heard, result.llm_turns)
        assert hearing.matches, str(hearing)
        assert result.reply_ms is not None, f"no spoken reply to {result.text!r}: {score.notes}"
        reply = _reply_text(record, record.utterances[i].voiced_end + result.reply_ms / 1000)
        assert "you said" in reply.lower(), f"the caller heard {reply!r}"


def test_wait_stop_over_the_agent_interrupts_it_through_the_gateway(
    calls: dict[str, tuple[CallScore, CallRecord]], servers: Servers,
) -> None:
    score, record = calls["barge-in"]
    trigger, interruption = score.utterances
    assert "story" in trigger.heard.lower(), f"no long answer to speak over: {trigger.heard!r}"
    assert interruption.over_agent, "the agent was not speaking any more"
    assert interruption.interrupted and interruption.stop_ms is not None, score.notes
    assert _heard(record, 1, interruption.heard, interruption.llm_turns).matches
    with urllib.request.urlopen(f"{servers.gateway_url}/health") as response:
        schedulers = json.load(response)["schedulers"]
    assert schedulers["interruption"]["completed"] > 0, "the gateway scored no overlap"
    assert np.isfinite(schedulers["interruption"]["service_time"])
