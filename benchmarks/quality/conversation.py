"""Playing a call plan over a live line, the way a caller would: speak, wait for the answer,
talk over it when the step says so.

The waits only pace the caller; every figure is computed afterwards from the recorded timeline
(``scoring``), so a wait that gives up early never hides a late answer.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from .corpus import Step
from .microphone import Clip, Microphone
from .record import AgentAudio

LEAD_SECONDS = 1.0
"""Silence (or noise) before the first step."""
REPLY_TIMEOUT = 6.0
"""Seconds after the end of the caller's speech to wait for an answer before moving on."""
QUIET_AFTER_REPLY = 0.7
"""No agent audio for this long means its answer is over (Piper pauses up to 0.45 s)."""
GAP_SECONDS = 0.3
"""The caller's pause between the end of an answer and the next step."""
BACKCHANNEL_AFTER = 1.5
"""Seconds into the agent's long answer before the first backchannel."""
BACKCHANNEL_SPACING = 2.0
"""Seconds between the end of one backchannel and the next."""
INTERRUPT_AFTER = 2.0
"""Seconds into the agent's long answer before the interruption."""
SETTLE_AFTER_BACKCHANNELS = 3.0
"""Quiet this long after backchannels before moving on: longer than the 2 s an agent paused by
speech waits before it resumes, so a late decision (resume or interrupt) lands in this step."""
MAX_ANSWER_SECONDS = 40.0


class Line(Protocol):
    """A connected call: the caller's microphone and what came back."""

    mic: Microphone
    agent: AgentAudio
    notes: list[str]


async def sleep_until(wall: float) -> None:
    delay = wall - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


async def play(
    line: Line, steps: list[tuple[Step, Clip, list[Clip]]], reply_timeout: float = REPLY_TIMEOUT
) -> None:
    """Play every step over ``line``, giving up on an answer after ``reply_timeout``."""
    await asyncio.sleep(LEAD_SECONDS)
    for step, main, overlay in steps:
        if step.kind == "story":
            await _story(line, main, overlay, step.overlay_kind, reply_timeout)
        else:
            await _exchange(line, main, reply_timeout)
        await asyncio.sleep(GAP_SECONDS)


async def _exchange(line: Line, clip: Clip, reply_timeout: float) -> None:
    spoken = await line.mic.say(clip)
    await line.agent.wait_quiet(QUIET_AFTER_REPLY, MAX_ANSWER_SECONDS)  # an answer too early
    after = max(spoken.voiced_end, (line.agent.last_audible() or 0.0) + 1e-3)
    wait = spoken.voiced_end - time.time() + reply_timeout
    start = await line.agent.wait_audible(after=after, timeout=max(wait, 0.0))
    if start is not None:
        await line.agent.wait_quiet(QUIET_AFTER_REPLY, MAX_ANSWER_SECONDS)


async def _story(
    line: Line, trigger: Clip, overlay: list[Clip], kind: str, reply_timeout: float
) -> None:
    spoken = await line.mic.say(trigger)
    start = await line.agent.wait_audible(after=spoken.voiced_end, timeout=reply_timeout)
    if start is None:
        line.notes.append(f"no answer to {trigger.text!r}: nothing spoken over the agent")
        return
    if kind == "interruption":
        await sleep_until(start + INTERRUPT_AFTER)
        for clip in overlay:
            await line.mic.say(clip)
    else:
        at = start + BACKCHANNEL_AFTER
        for clip in overlay:
            await sleep_until(at)
            last = line.agent.last_audible() or 0.0
            if time.time() - last > 0.7:
                line.notes.append(f"agent already silent before {clip.text!r}")
                break
            said = await line.mic.say(clip)
            at = said.voiced_end + BACKCHANNEL_SPACING
        await line.agent.wait_quiet(SETTLE_AFTER_BACKCHANNELS, MAX_ANSWER_SECONDS)
        return
    # the answer to the interruption, once the long answer has stopped
    await line.agent.wait_audible(after=time.time(), timeout=reply_timeout)
    await line.agent.wait_quiet(QUIET_AFTER_REPLY, MAX_ANSWER_SECONDS)
