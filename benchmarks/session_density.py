"""How many concurrent sessions one process carries: N sessions on fake components, each fed
20 ms input frames in real time and answering every few seconds, each output track pulled in
real time as a transport would. Prints one JSON object with the CPU cost per session-second,
the resident memory per session and the underruns: output frames handed out more than one frame
period (20 ms) after their time, when a client holding one frame of audio would run dry.

``--telemetry`` runs the same load in one process without, then with, every session observed
as ``vocalis serve`` does: recorded in the call history (SQLite, WAL) and traced with metrics
exported over OTLP/HTTP to a collector stand-in in another process (rounds alternate; medians
compared; writes and exports finish inside the measured time). On a busy machine that
difference drowns in noise, so it also replays the first plain run's events through the same
observers alone and reports that CPU ("isolated"): the cost of the history and telemetry.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psutil

from vocalis import Agent, AgentSession, EOUConfig, MetricsOptions, Pipeline, TracesOptions
from vocalis.audio import OutputTrack
from vocalis.pipeline.events import EventBus, SessionEvent
from vocalis.session.call_info import CallInfo
from vocalis.session.observability import ObservabilityOptions
from vocalis.storage import CallHistory, StorageConfig
from vocalis.telemetry import TelemetryHub, TelemetrySettings
from vocalis.testing import FakeLLM, FakeSTT, FakeTTS, FakeVAD, UserScript
from vocalis.testing.loopback import LoopbackInput, LoopbackOutput
from vocalis.utils.gc_tuning import tune_gc_for_realtime

UNDERRUN_AFTER = 0.02


class Caller(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Answer briefly.")


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


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


COLLECTOR = """
from aiohttp import web
async def accept(request):
    await request.read()
    return web.Response(body=b"", content_type="application/x-protobuf")
app = web.Application(client_max_size=64 * 1024 * 1024)
app.router.add_post("/v1/{signal}", accept)
web.run_app(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), print=None)
"""
"""An OTLP/HTTP endpoint that accepts and drops everything (the collector's side is not ours
to measure)."""


@contextlib.contextmanager
def collector() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-c", COLLECTOR, str(port)])
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


class Observation:
    """What ``vocalis serve`` attaches to every session: call history and telemetry."""

    def __init__(self, history: CallHistory, hub: TelemetryHub, settings: TelemetrySettings):
        self.history = history
        self.hub = hub
        self.settings = settings

    def observe(self, session: Any, index: int, info: CallInfo | None = None) -> None:
        info = info or CallInfo.for_session(session, transport="benchmark",
                                            room_id=f"room-{index}")
        self.hub.observe(session, info, self.settings)
        self.history.record(session, info)

    async def finish(self) -> None:
        await self.history.flush()
        await asyncio.to_thread(self.hub.force_flush)


async def run(sessions: int, duration: float, observation: Observation | None = None,
              events: list[list[SessionEvent]] | None = None) -> dict[str, object]:
    """One run; ``events`` (when given) collects each session's events for ``replay``."""
    gc.collect()
    base_rss = rss_mb()
    built = [build(i, duration) for i in range(sessions)]
    if observation is not None:
        for index, (session, _, _) in enumerate(built):
            observation.observe(session, index)
    if events is not None:
        for session, _, _ in built:
            events.append([])
            session.on(SessionEvent, events[-1].append)
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
    turns = sum(len(session.metrics.turns) for session, _, _ in built)
    late = sum(track.late_frames for _, _, track in built)
    frames = sum(track.frames_sent for _, _, track in built)
    for session, _, _ in built:
        await session.close()
    if observation is not None:
        await observation.finish()
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    peak_rss = rss_mb()
    return {
        "sessions": sessions,
        "seconds": duration,
        "observed": observation is not None,
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


async def replay(events: list[list[SessionEvent]], observation: Observation) -> float:
    """CPU seconds the observation spends on a run's events alone: each session's events are
    published again, in order, on a bus of its own, then written and exported."""
    cpu0 = time.process_time()
    for index, session_events in enumerate(events):
        bus = EventBus()
        observation.observe(SimpleNamespace(bus=bus), index,
                            CallInfo(agent="Caller", transport="benchmark"))
        for event in session_events:
            bus.publish(event)
        await asyncio.sleep(0)
    await observation.finish()
    return time.process_time() - cpu0


async def compare(sessions: int, duration: float, rounds: int) -> dict[str, Any]:
    """The same load without, then with, history and telemetry, ``rounds`` times each
    (alternating, after a short warm-up); the overhead compares the medians."""
    await run(sessions, min(duration, 3.0))
    plain: list[dict[str, Any]] = []
    observed: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, collector() as url:
        config = StorageConfig(url=str(Path(tmp) / "calls.db"), spool_dir=Path(tmp) / "spool",
                               retention_days=None)
        history = await CallHistory.open(config)
        hub = TelemetryHub(metric_interval=5.0)
        settings = TelemetrySettings.from_options(ObservabilityOptions(
            traces=TracesOptions(export_url=url), metrics=MetricsOptions(export_url=url)))
        try:
            events: list[list[SessionEvent]] = []
            for index in range(rounds):
                plain.append(await run(sessions, duration, events=events if index == 0 else None))
                observed.append(await run(sessions, duration, Observation(history, hub, settings)))
            isolated = await replay(events, Observation(history, hub, settings))
            stored = await history.store.latency_percentiles()
            written = history.status().written
        finally:
            await history.aclose()
            await asyncio.to_thread(hub.shutdown)

    def median_cpu(runs: list[dict[str, Any]]) -> float:
        return float(statistics.median(r["cpu_ms_per_session_second"] for r in runs))

    base, extra = median_cpu(plain), median_cpu(observed)
    return {
        "benchmark": "session_density --telemetry",
        "sessions": sessions,
        "seconds": duration,
        "rounds": rounds,
        "plain_cpu_ms_per_session_second": base,
        "observed_cpu_ms_per_session_second": extra,
        "observation_cpu_overhead_percent": round((extra - base) * 100.0 / base, 2),
        "observation_percent_of_one_core": round((extra - base) * sessions / 10.0, 2),
        "isolated_cpu_ms_per_session_second": round(isolated * 1000 / (sessions * duration), 3),
        "isolated_percent_of_plain": round(isolated * 1000 / (sessions * duration) * 100 / base,
                                           2),
        "isolated_percent_of_one_core": round(isolated * 100 / duration, 2),
        "plain_underruns": [r["underruns"] for r in plain],
        "observed_underruns": [r["underruns"] for r in observed],
        "history_rows_written": written,
        "turns_stored": stored["turns"],
        "runs": {"plain": plain, "observed": observed},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--telemetry", action="store_true",
                        help="compare with every session recorded and traced (see above)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="with --telemetry: runs of each kind, alternating (3)")
    args = parser.parse_args()
    if args.telemetry:
        print(json.dumps(asyncio.run(compare(args.sessions, args.seconds, args.rounds))))
    else:
        print(json.dumps(asyncio.run(run(args.sessions, args.seconds))))


if __name__ == "__main__":
    main()
