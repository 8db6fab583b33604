"""How much latency the framework itself adds to a turn.

Every component answers instantly (fake VAD, STT, LLM and TTS with zero delays), so the time
from the end of the user's speech plus the configured end-of-utterance delay to the first agent
audio handed to the output is the framework's own overhead: turn commit, LLM stream, sentence
chunking, TTS plumbing, resampling and the output track. Runs in real time on the normal event
loop. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from vocalis import Agent, AgentSession, EOUConfig, Pipeline
from vocalis.audio import OutputTrack
from vocalis.metrics import percentile
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript
from vocalis.testing.loopback import LoopbackInput, LoopbackOutput

EOU_DELAY = 0.3
UTTERANCE = "what time is it"
TURN_SPACING = 1.6


class Quiet(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Answer briefly.")


async def measure(turns: int) -> dict[str, object]:
    user = UserScript()
    for i in range(turns):
        user.says(UTTERANCE, at=0.5 + i * TURN_SPACING, duration=0.6)
    pipeline = Pipeline(
        stt=FakeSTT(user, final_delay=0.0, interim_interval=10.0),
        llm=FakeLLM(default="Ok."),
        tts=FakeTTS(speed=1000.0),
        vad=FakeVAD(min_silence_duration=0.2),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[EOU_DELAY, EOU_DELAY]),
        preemptive_generation=False,
    )
    track = OutputTrack()
    session = AgentSession(Quiet(), pipeline, output_track=track)
    output = LoopbackOutput(track)
    duration = 0.5 + turns * TURN_SPACING + 0.5
    reader = asyncio.ensure_future(output.run(duration))
    await session.start()
    await LoopbackInput(session, user).run(duration)
    await reader
    await session.close()
    overheads = [
        (t.first_audio_out_at - t.user_speech_end - EOU_DELAY) * 1000.0
        for t in session.metrics.turns
        if t.first_audio_out_at is not None and t.user_speech_end is not None
    ]
    commit_lag = [
        (t.committed_at - t.user_speech_end - EOU_DELAY) * 1000.0
        for t in session.metrics.turns
        if t.committed_at is not None and t.user_speech_end is not None
    ]
    def stage(a: str, b: str) -> float:
        values = [
            (getattr(t, b) - getattr(t, a)) * 1000.0
            for t in session.metrics.turns
            if getattr(t, a) is not None and getattr(t, b) is not None
        ]
        return round(percentile(values, 50) or 0.0, 3)

    return {
        "stages_ms_p50": {
            "commit_to_llm": stage("committed_at", "llm_started_at"),
            "llm_to_first_token": stage("llm_started_at", "llm_first_token_at"),
            "first_token_to_tts": stage("llm_first_token_at", "tts_request_at"),
            "tts_to_first_byte": stage("tts_request_at", "tts_first_audio_at"),
            "first_byte_to_out": stage("tts_first_audio_at", "first_audio_out_at"),
        },
        "turns": len(overheads),
        "commit_lag_ms_p50": round(percentile(commit_lag, 50) or 0.0, 3),
        "eou_delay_ms": EOU_DELAY * 1000,
        "overhead_ms_p50": round(percentile(overheads, 50) or 0.0, 3),
        "overhead_ms_p95": round(percentile(overheads, 95) or 0.0, 3),
        "overhead_ms_max": round(max(overheads, default=0.0), 3),
        "late_frames": track.late_frames,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    result = asyncio.run(measure(args.turns))
    result["wall_seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
