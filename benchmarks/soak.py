"""Soak: an hour (or ``--minutes``) of mixed traffic against ``vocalis serve``; prints JSON.

The server runs ``examples/assistant.py`` in its own process, on the local models (Silero
VAD, Whisper tiny.en, turn detector, Piper) with its language model pointed at a local fake
OpenAI-compatible server (``soak_llm``). Meanwhile:

- ``--callers`` lanes make real calls over /ws and /twilio: wait for the greeting, ask a
  question in Piper's voice, wait for the answer; one call in three asks a question that
  makes the fake LLM fail (HTTP 500, a hang, a cut stream, malformed SSE);
- one hostile lane alternates abrupt hang-ups (TCP reset mid-call) and malformed frames.

Printed: RSS of the server over time (with its live sessions), calls served, calls failed
with a reason (an error message, or a close with a code and reason: what the caller was
told), calls failed silently (the caller got neither audio nor a clear error or close; the
target is 0), first-answer latency, what the fake LLM served, and whether every session was
gone at the end. Progress goes to stderr. Run: ``python benchmarks/soak.py --minutes 10``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from soak_callers import (
    Clip,
    Outcome,
    abrupt_call,
    malformed_call,
    synthesize_clips,
    twilio_call,
    ws_call,
)
from soak_llm import FaultyLLMServer

ROOT = Path(__file__).resolve().parents[1]
AGENT = ROOT / "examples" / "assistant.py"
QUESTIONS = ["What time is it?", "Can you help me with my booking?"]
FAULT_QUESTIONS = [
    "Tell me a joke.", "What is the weather like?", "Read me a story.", "Please play some music.",
]
CALL_KINDS = ["ws", "twilio", "ws_llm_fault", "ws", "twilio", "twilio_llm_fault"]
HOSTILE_PAUSE = 1.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return 0.0


def log(message: str) -> None:
    sys.stderr.write(f"[soak {time.strftime('%H:%M:%S')}] {message}\n")


class Server:
    """``vocalis serve examples/assistant.py`` in a child process."""

    def __init__(self, llm_url: str, token: str, log_path: str | None = None) -> None:
        self.port = free_port()
        self.token = token
        env = {**os.environ, "VOCALIS_LLM_BASE_URL": llm_url, "VOCALIS_LLM_MODEL": "soak-model",
               "VOCALIS_NOTES_FILE": os.devnull}
        code = "import sys; from vocalis.cli import main; sys.exit(main())"
        self._log = open(log_path or os.devnull, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, "--log-level", "INFO", "serve", str(AGENT),
             "--port", str(self.port), "--token", token],
            env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        self.base = f"ws://127.0.0.1:{self.port}"

    async def health(self) -> dict[str, Any] | None:
        url = f"http://127.0.0.1:{self.port}/healthz?token={self.token}"
        try:
            async with aiohttp.ClientSession() as http, http.get(url) as response:
                return await response.json()
        except (aiohttp.ClientError, OSError):
            return None

    async def wait_ready(self, timeout: float = 120.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            if await self.health() is not None:
                return
            await asyncio.sleep(0.5)
        raise TimeoutError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


class Soak:
    """The traffic lanes, the RSS sampler and the tally."""

    def __init__(self, server: Server, clips: dict[str, Clip], args: argparse.Namespace):
        self.server = server
        self.clips = clips
        self.args = args
        self.deadline = time.monotonic() + args.minutes * 60
        self.outcomes: list[Outcome] = []
        self.samples: list[dict[str, Any]] = []
        self._faults = itertools.cycle(FAULT_QUESTIONS)
        self._questions = itertools.cycle(QUESTIONS)

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    def record(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if outcome.result == "silent":
            log(f"SILENT {outcome.kind}: {outcome.detail}")

    async def caller_lane(self, lane: int) -> None:
        kinds = itertools.islice(itertools.cycle(CALL_KINDS), lane, None)
        for kind in kinds:
            if not self.running():
                return
            fault = kind.endswith("llm_fault")
            clip = self.clips[next(self._faults) if fault else next(self._questions)]
            call = ws_call if kind.startswith("ws") else twilio_call
            self.record(await call(self.server.base, self.server.token, clip, kind))

    async def hostile_lane(self) -> None:
        for i in itertools.count():
            if not self.running():
                return
            transport = "ws" if i % 2 == 0 else "twilio"
            if (i // 2) % 2 == 0:
                clip = self.clips[QUESTIONS[0]]
                seconds = 0.5 + (i % 5) * 0.3
                outcome = await abrupt_call(self.server.port, self.server.token, clip,
                                            transport, seconds)
            else:
                outcome = await malformed_call(self.server.port, self.server.token, transport,
                                               i // 4)
            self.record(outcome)
            await asyncio.sleep(HOSTILE_PAUSE)

    async def sampler(self) -> None:
        start = time.monotonic()
        while self.running():
            health = await self.server.health() or {}
            sample = {"t_s": round(time.monotonic() - start), "rss_mb": round(
                rss_mb(self.server.process.pid), 1), "sessions": health.get("sessions")}
            self.samples.append(sample)
            done = Counter(o.result for o in self.outcomes)
            log(f"{sample} outcomes={dict(done)}")
            await asyncio.sleep(self.args.sample_seconds)

    async def run(self) -> None:
        lanes = [self.caller_lane(i) for i in range(self.args.callers)]
        await asyncio.gather(self.sampler(), self.hostile_lane(), *lanes)

    def report(self, drained: int | None, final_rss: float) -> dict[str, Any]:
        by_kind: dict[str, Counter[str]] = defaultdict(Counter)
        for outcome in self.outcomes:
            by_kind[outcome.kind][outcome.result] += 1
        reasons = Counter(o.detail for o in self.outcomes if o.result == "reason")
        latencies = sorted(o.latency for o in self.outcomes if o.latency is not None)
        calls = [o for o in self.outcomes if o.result != "disconnect"]
        rss = [s["rss_mb"] for s in self.samples] + [final_rss]
        return {
            "benchmark": "soak",
            "minutes": self.args.minutes,
            "callers": self.args.callers,
            "load": [round(x, 2) for x in os.getloadavg()],
            "calls": {
                "total": len(calls),
                "served": sum(o.result == "served" for o in calls),
                "failed_with_reason": sum(o.result == "reason" for o in calls),
                "failed_silently": sum(o.result == "silent" for o in calls),
                "abrupt_disconnects": sum(o.result == "disconnect" for o in self.outcomes),
            },
            "by_kind": {kind: dict(counts) for kind, counts in sorted(by_kind.items())},
            "reasons": dict(reasons.most_common()),
            "silent": [f"{o.kind}: {o.detail}" for o in calls if o.result == "silent"],
            "answer_latency_s": _percentiles(latencies),
            "rss_mb": {"start": rss[0], "peak": max(rss), "end": final_rss,
                       "timeline": self.samples},
            "sessions_left_after_drain": drained,
        }


def _percentiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    cuts = (statistics.quantiles(values, n=20, method="inclusive") if len(values) > 1
            else [values[0]] * 19)
    return {"n": len(values), "p50": round(statistics.median(values), 2),
            "p95": round(cuts[18], 2), "max": round(values[-1], 2)}


async def drain(server: Server, timeout: float = 60.0) -> int | None:
    """Wait for the server's sessions to end; the number left."""
    end = time.monotonic() + timeout
    sessions = None
    while time.monotonic() < end:
        sessions = (await server.health() or {}).get("sessions")
        if sessions == 0:
            return 0
        await asyncio.sleep(1.0)
    return sessions


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    log("synthesizing the callers' questions with Piper")
    clips = await synthesize_clips(QUESTIONS + FAULT_QUESTIONS)
    async with FaultyLLMServer() as llm:
        server = Server(llm.base_url, secrets.token_urlsafe(12), args.server_log)
        try:
            await server.wait_ready()
            log(f"server ready on port {server.port}; one call to load the models")
            warmup = await ws_call(server.base, server.token, clips[QUESTIONS[0]], "warmup")
            log(f"warm-up call: {warmup.result} {warmup.detail}; soaking for {args.minutes:g} min")
            soak = Soak(server, clips, args)
            await soak.run()
            drained = await drain(server)
            report = soak.report(drained, round(rss_mb(server.process.pid), 1))
            report["llm_requests"] = dict(llm.requests)
            report["llm_heard"] = dict(llm.heard.most_common(12))
            return report
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--callers", type=int, default=2, help="concurrent speaking callers")
    parser.add_argument("--sample-seconds", type=float, default=30.0, help="RSS sample period")
    parser.add_argument("--server-log", default=None, help="file for the server's log")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
