"""How many concurrent sessions one process carries: N sessions on fake components, each fed
20 ms input frames in real time and answering every few seconds, each output track pulled in
real time as a transport would. Prints one JSON object with the CPU cost per session-second,
the resident memory per session and the underruns: output frames handed out more than one frame
period (20 ms) after their time, when a client holding one frame of audio would run dry.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import time

from vocalis import Agent, AgentSession, EOUConfig, Pipeline
from vocalis.audio import OutputTrack
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript
from vocalis.testing.loopback import LoopbackInput, LoopbackOutput
from vocalis.utils.gc_tuning import tune_gc_for_realtime

UNDERRUN_AFTER = 0.02


class Caller(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Answer briefly.")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def build(index: int, duration: float) -> tuple[AgentSession, UserScript, OutputTrack]:
    user = UserScript()
    t = 1.0 + (index % 10) * 0.25
    while t + 1.0 < duration:
        user.says("can you help me with my booking", at=t, duration=1.2)
        t += 4.0
    pipeline = Pipeline(
        stt=FakeSTT(user),
        llm=FakeLLM(default="Sure, I can help with that."),
        tts=FakeTTS(),
        vad=FakeVAD(),
        eou_config=EOUConfig(min_max_speech_wait_timeout=[0.3, 0.8]),
    )
    track = OutputTrack(late_tolerance=UNDERRUN_AFTER)
    return AgentSession(Caller(), pipeline, output_track=track), user, track


async def run(sessions: int, duration: float) -> dict[str, object]:
    gc.collect()
    base_rss = rss_mb()
    built = [build(i, duration) for i in range(sessions)]
    for session, _, _ in built:
        await session.start()
    tune_gc_for_realtime()
    loaded_rss = rss_mb()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    outputs = [LoopbackOutput(track, record=False) for _, _, track in built]

    async def call(index: int, session: AgentSession, user: UserScript, out: LoopbackOutput):
        # Real calls start at random moments: spread the sessions' 20 ms clocks over a frame.
        await asyncio.sleep((index % 20) * 0.001)
        await asyncio.gather(LoopbackInput(session, user).run(duration), out.run(duration))

    await asyncio.gather(
        *(
            call(i, session, user, out)
            for i, ((session, user, _), out) in enumerate(zip(built, outputs, strict=True))
        )
    )
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    peak_rss = rss_mb()
    turns = sum(len(session.metrics.turns) for session, _, _ in built)
    late = sum(track.late_frames for _, _, track in built)
    frames = sum(track.frames_sent for _, _, track in built)
    for session, _, _ in built:
        await session.close()
    return {
        "sessions": sessions,
        "seconds": duration,
        "wall_seconds": round(wall, 2),
        "turns_answered": turns,
        "cpu_ms_per_session_second": round(cpu * 1000.0 / (sessions * duration), 3),
        "cpu_cores_used": round(cpu / wall, 3),
        "rss_mb_per_session": round((max(loaded_rss, peak_rss) - base_rss) / sessions, 3),
        "underruns": late,
        "underrun_threshold_ms": UNDERRUN_AFTER * 1000,
        "gc": "tune_gc_for_realtime (as vocalis serve)",
        "frames_out": frames,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.sessions, args.seconds))))


if __name__ == "__main__":
    main()
