"""File mode: the whole call rendered to a WAV on a fixed schedule, played with ``vocalis run``.

A file cannot wait for the agent, so each step leaves room for the answer it expects (the echo
agent's reply, at Piper's pace, plus a margin). The run writes the agent's audio over the same
timeline and the echo agent logs the LLM's turns, so the record has the same shape as a live
call's, with times in seconds from the start of the file.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from vocalis.audio import read_wav, write_wav

from .conversation import BACKCHANNEL_SPACING, INTERRUPT_AFTER, LEAD_SECONDS
from .corpus import Step
from .echo_agent import REPLY_ENV, echo_reply
from .microphone import FRAME_SECONDS, Clip, Microphone
from .record import AgentAudio, CallRecord
from .server import ECHO_AGENT, agent_env, llm_turns, read_log, stop_process, vocalis_command

WORDS_PER_SECOND = 2.5
"""Piper's joe-medium at length_scale 1 says about this many words a second (a low estimate)."""
ANSWER_DELAY = 1.6
"""Room for the agent to start answering."""
GAP_SECONDS = 0.6
RUN_TIMEOUT_MARGIN = 120.0


def answer_seconds(heard: str) -> float:
    return 0.5 + len(echo_reply(heard).split()) / WORDS_PER_SECOND


def schedule(
    steps: list[tuple[Step, Clip, list[Clip]]], rate: int
) -> list[tuple[float, Clip | None]]:
    """When each clip starts, in seconds from the start of the file (None: the file's end)."""
    placed: list[tuple[float, Clip | None]] = []
    t = LEAD_SECONDS
    for step, main, overlay in steps:
        placed.append((t, main))
        end = t + len(main.audio) / rate
        if step.kind != "story":
            t = end + ANSWER_DELAY + answer_seconds(main.text) + GAP_SECONDS
            continue
        answer_start = end + ANSWER_DELAY
        if step.overlay_kind == "interruption":
            at = answer_start + INTERRUPT_AFTER
            for clip in overlay:
                placed.append((at, clip))
                at += len(clip.audio) / rate
            t = at + ANSWER_DELAY + answer_seconds(overlay[-1].text) + GAP_SECONDS
        else:
            at = answer_start + 1.5
            for clip in overlay:
                placed.append((at, clip))
                at += len(clip.audio) / rate + BACKCHANNEL_SPACING
            t = max(at, answer_start + answer_seconds(main.text)) + GAP_SECONDS
    placed.append((t + 2.0, None))
    return placed


def render(steps: list[tuple[Step, Clip, list[Clip]]], mic: Microphone) -> None:
    """Play the schedule into ``mic`` offline (frame walls are seconds from the start)."""
    placed = schedule(steps, mic.rate)
    index = 0
    for at, clip in placed:
        while index * FRAME_SECONDS < at - 1e-9:
            mic.next_frame(wall=index * FRAME_SECONDS)
            index += 1
        if clip is not None:
            mic.queue(clip)
    while mic.busy:
        mic.next_frame(wall=index * FRAME_SECONDS)
        index += 1


async def run_file_call(
    steps: list[tuple[Step, Clip, list[Clip]]], mic: Microphone, workdir: Path, name: str,
    condition: str,
) -> CallRecord:
    """Render the steps on their schedule, then ``run_file`` the result."""
    render(steps, mic)
    return await run_file(mic, workdir, name, condition)


async def run_file(
    mic: Microphone, workdir: Path, name: str, condition: str = "clean", reply: str = "echo"
) -> CallRecord:
    """Write what ``mic`` has sent as a WAV, run ``vocalis run`` on it in real time, and read
    back what happened. ``reply="none"`` keeps the echo agent silent."""
    wav = (workdir / f"{name}.wav").resolve()
    out_wav, transcript = workdir / f"{name}.out.wav", workdir / f"{name}.json"
    log = workdir / f"{name}.llm.jsonl"
    sent = mic.sent()
    write_wav(str(wav), sent.tobytes(), mic.rate)
    seconds = len(sent) / mic.rate
    env = {**agent_env(log), REPLY_ENV: reply}
    with open(workdir / f"{name}.log", "wb") as errors:
        process = await asyncio.create_subprocess_exec(
            *vocalis_command("run", str(ECHO_AGENT), "--input", str(wav), "--output",
                             str(out_wav), "--transcript", str(transcript)),
            env=env, stdout=asyncio.subprocess.DEVNULL, stderr=errors,
        )
        try:
            await asyncio.wait_for(process.wait(), seconds + RUN_TIMEOUT_MARGIN)
        finally:
            await stop_process(process)
    entries = read_log(log, str(wav))
    start = next((e["wall"] for e in entries if e["event"] == "start"), None)
    record = CallRecord("file", condition, mic.rate, sent, mic.utterances, AgentAudio())
    if start is None or not out_wav.exists():
        record.notes.append(f"vocalis run produced no session (exit {process.returncode})")
        return record
    pcm, rate = read_wav(str(out_wav))
    samples = np.frombuffer(pcm, dtype="<i2")
    step = round(rate * FRAME_SECONDS)
    for i in range(0, len(samples) - step + 1, step):
        record.agent.add(samples[i:i + step].tobytes(), rate, wall=i / rate)
    record.llm_turns = [turn.shifted(-start) for turn in llm_turns(entries)]
    record.server_events = [(e["wall"] - start, e["event"]) for e in entries]
    record.interrupts = [t for t, event in record.server_events if event == "interrupted"]
    return record
