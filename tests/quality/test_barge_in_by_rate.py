"""Speaking over the agent at 8 kHz (``/twilio``, mu-law), 16 kHz (``/ws``) and 48 kHz (WebRTC,
Opus), for real.

The caller asks for a story (Piper's voice); while the agent tells it, the caller either says
backchannels ("mm-hmm", "uh-huh", in espeak-ng voices), which must not stop it, or
"wait, stop, I have a different question", which must stop it and reach the LLM as the offline
decode hears it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from benchmarks.quality.clips import clip, step_clips
from benchmarks.quality.conversation import play
from benchmarks.quality.corpus import Step
from benchmarks.quality.lines import open_line
from benchmarks.quality.microphone import Clip, Microphone
from benchmarks.quality.record import CallRecord
from benchmarks.quality.scoring import CallScore, UtteranceResult, score_call
from benchmarks.quality.server import llm_turns, read_log

from .echo_server import EchoServer
from .hearing import Hearing, Yardstick
from .requirements import skip_without_real_speech

skip_without_real_speech()

BACKCHANNELS = Step("story", "Tell me a story.", "piper-joe", overlay_kind="backchannel")
BACKCHANNEL_VOICES = (("Mm-hmm.", "espeak-gb-f"), ("Mm-hmm.", "espeak-us"), ("Uh-huh.", "espeak-us"))
"""Whisper tiny.en hears espeak's "mm-hmm" as "and then" or "and mm" even offline: only a
decision that does not rest on the transcript alone lets it pass. Its quick interim spells
espeak's "uh-huh" out while the final decode hears nothing: the interim must not become a turn."""
INTERRUPTION = Step("story", "Please tell me a story.", "piper-joe",
                    overlay=("Wait, stop, I have a different question.",),
                    overlay_kind="interruption")
PATHS = {"twilio": 8000, "ws": 16000, "webrtc": 48000}
REPLY_TIMEOUT = 12.0
"""Generous: these tests judge what happens, not how fast (the benchmark measures that)."""
CONCURRENT_CALLS = 2
"""Calls at once: on a 2-core machine where a Whisper decode costs 0.7 s of CPU, four calls
starving Piper left gaps in the agent's answer, so the caller spoke into a silence; how many
calls a machine carries is ``benchmarks/capacity.py``'s question, not these tests'."""

pytestmark = pytest.mark.slow


def _clips(step: Step, rate: int) -> tuple[Step, Clip, list[Clip]]:
    main, overlay = step_clips(step, rate)
    if step.overlay_kind == "backchannel":
        overlay = [clip("backchannel", text, voice, rate) for text, voice in BACKCHANNEL_VOICES]
    return step, main, overlay


async def _call(server: EchoServer, path: str, step: Step) -> CallRecord:
    rate = PATHS[path]
    mic = Microphone(rate)
    call_id = f"barge-{path}-{uuid.uuid4().hex[:6]}"
    async with open_line(path, server.base_url, mic, call_id) as line:
        await play(line, [_clips(step, rate)], reply_timeout=REPLY_TIMEOUT)
        await asyncio.sleep(1.0)
    record = CallRecord(path, "clean", rate, mic.sent(), mic.utterances, line.agent,
                        interrupts=list(line.interrupts), notes=list(line.notes))
    record.llm_turns = llm_turns(read_log(server.log, call_id))
    return record


TESTS = {"test_backchannels_over_the_agent_do_not_interrupt_it": "backchannel",
         "test_wait_stop_interrupts_the_agent_and_is_heard": "interruption"}


def _selected_cases(session: pytest.Session) -> list[tuple[str, str]]:
    cases = []
    for item in session.items:
        kind = TESTS.get(getattr(item, "originalname", ""))
        if kind is not None and item.module is not None and item.module.__name__ == __name__:
            cases.append((item.callspec.params["path"], kind))
    return cases


async def _run_all(
    server: EchoServer, cases: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[CallScore, CallRecord]]:
    steps = {"backchannel": BACKCHANNELS, "interruption": INTERRUPTION}
    limit = asyncio.Semaphore(CONCURRENT_CALLS)

    async def one(path: str, kind: str) -> CallRecord:
        async with limit:
            return await _call(server, path, steps[kind])

    records = await asyncio.gather(*(one(p, k) for p, k in cases))
    return {case: (score_call(r, {}), r) for case, r in zip(cases, records, strict=True)}


@pytest.fixture(scope="session")
def overlaps(
    request: pytest.FixtureRequest, echo_server: EchoServer
) -> Iterator[dict[tuple[str, str], tuple[CallScore, CallRecord]]]:
    yield asyncio.run(_run_all(echo_server, _selected_cases(request.session)))


def _story_answered(score: CallScore, kind: str) -> list[UtteranceResult]:
    """The utterances of ``kind`` spoken over the agent's long answer."""
    trigger = next(r for r in score.utterances if r.kind == "trigger")
    assert "story" in trigger.heard.lower(), (
        f"the agent heard {trigger.heard!r} for {trigger.text!r}: no long answer to speak over"
    )
    spoken = [r for r in score.utterances if r.kind == kind]
    assert spoken, f"nothing was spoken over the agent: {score.notes}"
    assert all(r.over_agent for r in spoken), "the agent was not speaking any more"
    return spoken


@pytest.mark.parametrize("path", [pytest.param(p) for p in PATHS])
def test_backchannels_over_the_agent_do_not_interrupt_it(
    path: str, overlaps: dict[tuple[str, str], tuple[CallScore, CallRecord]]
) -> None:
    score, _ = overlaps[(path, "backchannel")]
    for r in _story_answered(score, "backchannel"):
        assert not r.interrupted, f"{r.text!r} (heard as {r.heard!r}) interrupted the agent"
        assert r.llm_turns == 0, f"{r.text!r} became a user turn: {r.heard!r}"


@pytest.mark.parametrize("path", [pytest.param("twilio"), "webrtc"])
def test_wait_stop_interrupts_the_agent_and_is_heard(
    path: str, overlaps: dict[tuple[str, str], tuple[CallScore, CallRecord]]
) -> None:
    score, record = overlaps[(path, "interruption")]
    [result] = _story_answered(score, "interruption")
    index = next(i for i, u in enumerate(record.utterances) if u.kind == "interruption")
    spoken = record.utterances[index]
    assert any(t >= spoken.onset for t in record.interrupts), "the agent was never interrupted"
    assert result.stop_ms is not None, "the agent's audio did not stop"
    only = CallRecord(record.path, record.condition, record.rate, record.sent, [spoken],
                      record.agent)
    hearing = Hearing(result.heard, Yardstick().decode(only), result.llm_turns)
    assert hearing.matches, str(hearing)
