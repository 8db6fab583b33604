"""How many concurrent real-speech calls one ``vocalis serve`` process answers in time.

Starts ``vocalis serve benchmarks/capacity_agent.py`` (the example's local stack: Silero VAD,
Whisper tiny.en, turn detector, Piper; an LLM that answers at once) in a subprocess, then for
each N tried opens N ``/ws`` calls at once. Every call streams 16 kHz PCM in real time, as a
microphone would (silence included): after a staggered start it asks ``--questions``
Piper-spoken questions, each after the previous reply. A turn's latency runs from the capture
of the question's last voiced sample to the first agent audio the client receives.

Prints one JSON line per N (first-reply p50/p95, turns answered, calls refused by admission
control, input the server dropped, server CPU in cores, the machine's load average) and a last
line with the capacity: the largest N whose p95 stayed under ``--target`` seconds with every
turn answered. ``--admission`` keeps the server's admission control on (refused calls are then
reported, not counted as failures); by default it is off so the raw capacity is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import numpy as np

from vocalis.audio import resample_pcm
from vocalis.metrics import percentile

QUESTIONS = [
    "What time is it?",
    "Can you book a table for two?",
    "What's the weather like today?",
    "Please save a note for me.",
    "How far is the station?",
    "Do you open on Sundays?",
    "I would like to pay my bill.",
    "Read my notes back to me.",
    "What is seven times eight?",
    "Is parking available nearby?",
    "Can I change my reservation?",
    "Thank you, that is all.",
]
RATE = 16000
FRAME = RATE // 50  # 20 ms
VOICED_DB = -40.0
AGENT_FILE = Path(__file__).resolve().parent / "capacity_agent.py"
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Question:
    text: str
    pcm: bytes
    last_voiced: int  # sample index just past the last voiced 20 ms block


@dataclass
class CallResult:
    latencies: list[float] = field(default_factory=list)
    missed: int = 0
    refused: str | None = None
    heard: list[str] = field(default_factory=list)
    send_lag_max: float = 0.0


async def synthesize(texts: list[str]) -> list[Question]:
    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    out = []
    for text in texts:
        pcm = b"".join([c async for c in tts.stream_synthesize(text)])
        pcm = resample_pcm(pcm, tts.sample_rate, RATE)
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        blocks = samples[: len(samples) // FRAME * FRAME].reshape(-1, FRAME)
        levels = 10 * np.log10(np.maximum((blocks**2).mean(axis=1), 1e-12))
        voiced = np.flatnonzero(levels > VOICED_DB)
        out.append(Question(text, pcm, int(voiced[-1] + 1) * FRAME))
    return out


class Server:
    """``vocalis serve`` in a subprocess; its stderr goes to a file the benchmark reads."""

    def __init__(self, admission: bool, log_path: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        cmd = [sys.executable, "-c", "from vocalis.cli import main; raise SystemExit(main())",
               "serve", str(AGENT_FILE), "--port", "0"]
        if not admission:
            cmd += ["--capacity", "off"]
        self.log_path = log_path
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=self._log, text=True, cwd=ROOT
        )
        self.url = ""

    def wait_ready(self) -> str:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            match = re.search(r"WebSocket:\s+(ws://\S+)", line)
            if match:
                self.url = match.group(1)
                return self.url
        raise RuntimeError(f"server exited: see {self.log_path}")

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


async def call(
    session: aiohttp.ClientSession,
    url: str,
    questions: list[Question],
    start_at: float,
    reply_timeout: float,
    ready: asyncio.Event,
) -> CallResult:
    result = CallResult()
    try:
        ws = await session.ws_connect(f"{url}?sample_rate={RATE}", heartbeat=None)
    except aiohttp.WSServerHandshakeError as exc:
        result.refused = f"HTTP {exc.status}"
        return result
    async with ws:
        first = await ws.receive(timeout=60)
        if first.type is not aiohttp.WSMsgType.TEXT:
            result.refused = f"close {ws.close_code}: {first.extra or ''}".strip()
            return result
        audio_at: list[float] = []

        async def reader() -> None:
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.BINARY:
                    audio_at.append(time.monotonic())
                elif msg.type is aiohttp.WSMsgType.TEXT:
                    data = json.loads(msg.data)
                    if data.get("type") == "transcript" and data.get("role") == "user" and \
                            data.get("is_final"):
                        result.heard.append(data.get("text", ""))

        read_task = asyncio.ensure_future(reader())
        await ready.wait()
        silence = bytes(FRAME * 2)
        clock = start_at
        try:
            while time.monotonic() < clock:
                await asyncio.sleep(0.02)
                await ws.send_bytes(silence)
            clock = time.monotonic()
            for q in questions:
                voiced_sent_at = None
                for i in range(0, len(q.pcm), FRAME * 2):
                    clock += 0.02
                    delay = clock - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    else:
                        result.send_lag_max = max(result.send_lag_max, -delay)
                    await ws.send_bytes(q.pcm[i : i + FRAME * 2])
                    end = i // 2 + FRAME
                    if voiced_sent_at is None and end >= q.last_voiced:
                        voiced_sent_at = time.monotonic() - (end - q.last_voiced) / RATE
                assert voiced_sent_at is not None
                deadline = voiced_sent_at + reply_timeout

                def replied(since: float = voiced_sent_at) -> bool:
                    return bool(audio_at) and audio_at[-1] >= since

                while not replied() and time.monotonic() < deadline:
                    clock += 0.02
                    await asyncio.sleep(max(0.0, clock - time.monotonic()))
                    await ws.send_bytes(silence)
                if replied():
                    first_audio = next(t for t in audio_at if t >= voiced_sent_at)
                    result.latencies.append(first_audio - voiced_sent_at)
                else:
                    result.missed += 1
                # let the short reply play out (silence keeps flowing) before the next question
                for _ in range(75):
                    clock += 0.02
                    await asyncio.sleep(max(0.0, clock - time.monotonic()))
                    await ws.send_bytes(silence)
                clock = max(clock, time.monotonic())
        finally:
            read_task.cancel()
    return result


async def run_n(server: Server, n: int, args: argparse.Namespace, questions: list[Question]
                ) -> dict[str, object]:
    log_before = len(server.log_text())
    ready = asyncio.Event()
    per_call = [
        [questions[(i * args.questions + k) % len(questions)] for k in range(args.questions)]
        for i in range(n)
    ]
    async with aiohttp.ClientSession() as http:
        start = time.monotonic() + 2.0
        tasks = [
            asyncio.ensure_future(call(http, server.url, per_call[i],
                                       start + args.spread * i / max(n, 1),
                                       args.reply_timeout, ready))
            for i in range(n)
        ]
        await asyncio.sleep(1.0)  # the calls connect and get 'ready'
        cpu0, wall0 = server.cpu_seconds(), time.monotonic()
        ready.set()
        results = await asyncio.gather(*tasks)
        cpu1, wall1 = server.cpu_seconds(), time.monotonic()
        body: dict[str, object] = {}
        for _ in range(100):  # wait for the server to end every session
            async with http.get(server.url.replace("ws://", "http://").rsplit("/", 1)[0]
                                + "/healthz") as resp:
                body = await resp.json()
            if not body.get("sessions"):
                break
            await asyncio.sleep(0.1)
    log = server.log_text()[log_before:]
    answered = [r for r in results if r.refused is None]
    latencies = [x for r in answered for x in r.latencies]
    turns = len(answered) * args.questions
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    missed = sum(r.missed for r in answered)
    return {
        "calls": n,
        "admitted": len(answered),
        "refused": [r.refused for r in results if r.refused is not None],
        "turns": turns,
        "answered": len(latencies),
        "missed": missed,
        "first_reply_s_p50": None if p50 is None else round(p50, 3),
        "first_reply_s_p95": None if p95 is None else round(p95, 3),
        "first_reply_s_max": round(max(latencies), 3) if latencies else None,
        "calls_dropping_input": len(set(re.findall(r"websocket (\S+): input queue full", log))),
        "server_cpu_cores": round((cpu1 - cpu0) / (wall1 - wall0), 2),
        "client_send_lag_max_s": round(max((r.send_lag_max for r in results), default=0.0), 3),
        "heard_sample": [h for r in answered[:2] for h in r.heard],
        "server_capacity": body.get("capacity"),
        "load_avg": os.getloadavg()[0],
        "ok": missed == 0 and p95 is not None and p95 < args.target and bool(answered),
    }


async def main_async(args: argparse.Namespace) -> None:
    questions = await synthesize(QUESTIONS)
    log_path = Path(args.log or f"/tmp/vocalis-capacity-{os.getpid()}.log")
    server = Server(args.admission, log_path)
    try:
        await asyncio.to_thread(server.wait_ready)
        await run_n(server, 1, argparse.Namespace(**{**vars(args), "questions": 1}), questions)
        best, failures = 0, 0
        for n in [int(x) for x in args.calls.split(",")]:
            figures = await run_n(server, n, args, questions)
            print(json.dumps(figures), flush=True)
            if figures["ok"]:
                best, failures = max(best, n), 0
            else:
                failures += 1
                if failures >= args.stop_after:
                    break
        print(json.dumps({"capacity": best, "target_p95_s": args.target,
                          "questions_per_call": args.questions, "cores": os.cpu_count(),
                          "uptime": subprocess.run(["uptime"], capture_output=True,
                                                   text=True).stdout.strip()}))
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", default="1,2,4,6,8,10,12,14,16,20",
                        help="comma-separated N to try, in order")
    parser.add_argument("--questions", type=int, default=2, help="questions per call")
    parser.add_argument("--spread", type=float, default=2.0,
                        help="seconds over which the calls' first questions start")
    parser.add_argument("--target", type=float, default=1.0, help="p95 first-reply bound, s")
    parser.add_argument("--reply-timeout", type=float, default=30.0)
    parser.add_argument("--stop-after", type=int, default=2,
                        help="stop after this many failing N in a row")
    parser.add_argument("--admission", action="store_true",
                        help="keep the server's admission control on")
    parser.add_argument("--log", default=None, help="where the server's log goes")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
