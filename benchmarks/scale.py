"""Scale: N concurrent raw-PCM ``/ws`` calls through one front and two worker processes
(``vocalis start`` with fake components, so the figures are the framework's own cost), then
``kill -9`` of one worker process mid-call.

Prints one JSON object: sessions held in real time (connected throughout the steady window,
every turn answered within ``--held-ms`` of the end of the user's speech), reply latency, the
media hop's delay (front → worker: the front wrote the frame → the worker handed it to the
session; worker → front for agent audio), CPU per session-second and memory per session and
per process; and after the kill: calls lost outside the killed process (target 0), how the
killed process's calls ended, the time until new calls land on the survivor, and the time to
replace the killed process. The callers run in this process, on the same machine: their own
CPU is reported apart (``caller_cpu_cores``), and ``load_average`` says how busy the machine
was.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import numpy as np
import psutil

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from scale_agent import PERIOD, user_script  # noqa: E402

AGENT_FILE = os.path.join(HERE, "scale_agent.py")
FRAME = 0.02
RATE = 16000
OFFSETS = 10


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None}
    p50, p95 = np.percentile(values, [50, 95])
    return {"p50": round(float(p50), 2), "p95": round(float(p95), 2)}


# ---- the server --------------------------------------------------------------------------------


class Server:
    """``vocalis start`` (front + a pool of worker processes) in its own process; with
    ``baseline``, ``vocalis serve`` (every call in the one process) for comparison."""

    def __init__(self, processes: int, jobs_per_process: int, *, baseline: bool = False) -> None:
        self.baseline = baseline
        self.port, self.health_port = free_port(), free_port()
        src = os.path.join(os.path.dirname(HERE), "src")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
        env.pop("REDIS_URL", None)
        command = [sys.executable, "-m", "vocalis.cli", "--log-level", "ERROR"]
        if baseline:
            command += ["serve", AGENT_FILE, "--port", str(self.port)]
        else:
            command += ["start", AGENT_FILE, "--port", str(self.port), "--health-host",
                        "127.0.0.1", "--health-port", str(self.health_port), "--processes",
                        str(processes), "--idle", str(processes), "--jobs-per-process",
                        str(jobs_per_process), "--load-threshold", "1", "--close-timeout", "5"]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)

    def ready(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if "drains" in line or "Ctrl+C" in line:
                return
        raise RuntimeError("the server did not come up")

    def url(self, query: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?{query}"

    async def stats(self, http: aiohttp.ClientSession) -> dict[str, Any]:
        async with http.get(f"http://127.0.0.1:{self.health_port}/stats") as response:
            return await response.json()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def workers_of(stats: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The pooled processes by pid."""
    return {info["metadata"]["pid"]: info for info in stats["worker"]["resource_info"]}


# ---- the callers -------------------------------------------------------------------------------


@dataclass
class Caller:
    index: int
    seconds: float
    room_id: str = ""
    started: float = 0.0
    connected_at: float = 0.0
    closed_at: float | None = None
    close_code: int | None = None
    errors: list[str] = field(default_factory=list)
    replies: dict[int, float] = field(default_factory=dict)

    @property
    def offset(self) -> float:
        return (self.index % OFFSETS) * PERIOD / OFFSETS

    def turn_ends(self) -> list[float]:
        return [u.end for u in user_script(self.offset, self.seconds).utterances]

    async def run(self, http: aiohttp.ClientSession, url: str, audio: bytes,
                  ready: asyncio.Event | None = None) -> None:
        loop = asyncio.get_running_loop()
        query = f"offset={self.offset}&seconds={self.seconds}"
        ends = self.turn_ends()
        try:
            async with http.ws_connect(url + query if url.endswith("?") else url, heartbeat=None,
                                       autoclose=False) as ws:
                reader = asyncio.ensure_future(self._read(ws, ends, loop))
                while not self.room_id and not reader.done():
                    await asyncio.sleep(0.01)
                self.connected_at = loop.time()
                if ready is not None:
                    ready.set()
                self.started = loop.time()
                frame_bytes = int(RATE * FRAME) * 2
                for i in range(int(self.seconds / FRAME)):
                    delay = self.started + i * FRAME - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    if ws.closed or reader.done():
                        break
                    start = (i * frame_bytes) % len(audio)
                    await ws.send_bytes(audio[start:start + frame_bytes])
                if not reader.done():
                    await ws.close()
                await asyncio.wait({reader}, timeout=5)
        except (aiohttp.ClientError, OSError) as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
            self.closed_at = loop.time()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, ends: list[float],
                    loop: asyncio.AbstractEventLoop) -> None:
        while True:
            message = await ws.receive()
            now = loop.time()
            if message.type is aiohttp.WSMsgType.BINARY:
                if self.started:
                    t = now - self.started
                    for turn, end in enumerate(ends):
                        if turn not in self.replies and end <= t < end + PERIOD - 0.5:
                            self.replies[turn] = t - end
                            break
            elif message.type is aiohttp.WSMsgType.TEXT:
                data = json.loads(message.data)
                if data.get("type") == "ready":
                    self.room_id = data["room_id"]
                elif data.get("type") == "error":
                    self.errors.append(data.get("message", ""))
            else:
                if self.closed_at is None and message.type in (aiohttp.WSMsgType.CLOSE,
                                                               aiohttp.WSMsgType.CLOSED,
                                                               aiohttp.WSMsgType.ERROR):
                    self.closed_at = now
                    self.close_code = message.data if message.type is aiohttp.WSMsgType.CLOSE \
                        else ws.close_code
                return


def cycle_audio(offset: float) -> bytes:
    """One ``PERIOD`` of the caller's audio, repeated for the whole call."""
    script = user_script(offset, PERIOD * 3)
    return script.audio(PERIOD, PERIOD, RATE)


# ---- the run -----------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) each process used so far."""
    used: dict[int, float] = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            used[pid] = times.user + times.system
        except psutil.Error:
            used[pid] = 0.0
    return used


def rss_mb(pid: int) -> float:
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return 0.0


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = Server(2, args.jobs_per_process, baseline=args.baseline)
    await asyncio.to_thread(server.ready)
    audio = {i: cycle_audio(i * PERIOD / OFFSETS) for i in range(OFFSETS)}
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=0)
    http = aiohttp.ClientSession(connector=connector)
    me = psutil.Process()
    try:
        workers = [] if args.baseline else list(workers_of(await server.stats(http)))
        pids = [server.process.pid, *workers]
        base_rss = {pid: rss_mb(pid) for pid in pids}

        call_seconds = 2 * args.ramp + args.steady + args.after_kill + 2.0
        callers = [Caller(i, call_seconds) for i in range(args.sessions)]
        tasks = []
        for caller in callers:
            tasks.append(asyncio.ensure_future(
                caller.run(http, server.url(""), audio[caller.index % OFFSETS])))
            await asyncio.sleep(args.ramp / args.sessions)
        ramp_end = loop.time()
        while loop.time() - ramp_end < args.ramp and not all(
                c.room_id or c.closed_at is not None or c.errors for c in callers):
            await asyncio.sleep(0.1)
        settle = loop.time() - ramp_end
        connected = sum(1 for c in callers if c.room_id and c.closed_at is None)
        refused: dict[str, int] = {}
        for caller in callers:
            if not caller.room_id:
                why = str(caller.close_code or (caller.errors[-1] if caller.errors else
                                                "no answer yet"))
                refused[why] = refused.get(why, 0) + 1

        window_start = loop.time()
        cpu0, mine0 = cpu_seconds(pids), sum(me.cpu_times()[:2])
        hop_in: list[tuple[float, float]] = []
        hop_out: list[tuple[float, float]] = []
        while loop.time() - window_start < args.steady:
            await asyncio.sleep(2.0)
            if args.baseline:
                continue
            stats = await server.stats(http)
            for info in stats["worker"]["resource_info"]:
                link = (info["metadata"].get("report") or {}).get("link", {}).get("hop_in", {})
                if link.get("p50_ms") is not None:
                    hop_in.append((link["p50_ms"], link["p95_ms"]))
            out = stats["front"]["link"]["hop_out"]
            if out.get("p50_ms") is not None:
                hop_out.append((out["p50_ms"], out["p95_ms"]))
        window_end = loop.time()
        window = window_end - window_start
        cpu1, mine1 = cpu_seconds(pids), sum(me.cpu_times()[:2])
        cpu = sum(cpu1.values()) - sum(cpu0.values())
        rss = {pid: rss_mb(pid) for pid in pids}
        held = 0
        latencies: list[float] = []
        for caller in callers:
            if not caller.room_id or (caller.closed_at is not None
                                      and caller.closed_at < window_end):
                continue
            turns = [(turn, end) for turn, end in enumerate(caller.turn_ends())
                     if window_start <= caller.started + end and
                     caller.started + end + 2.0 <= window_end]
            answers = [caller.replies.get(turn) for turn, _ in turns]
            latencies += [a * 1000 for a in answers if a is not None]
            if turns and all(a is not None and a * 1000 <= args.held_ms for a in answers):
                held += 1

        name = {server.process.pid: "front" if not args.baseline else "server"}
        name.update({pid: f"worker {pid}" for pid in workers})
        result: dict[str, Any] = {
            "mode": "vocalis serve (one process)" if args.baseline else
                    "vocalis start (front + 2 worker processes)",
            "sessions": args.sessions,
            "connected": connected,
            "seconds_to_connect_after_the_ramp": round(settle, 2),
            "not_connected_by_reason": refused,
            "held_in_real_time": held,
            "held_rule": f"connected through the {args.steady:.0f} s window, every turn "
                         f"answered within {args.held_ms} ms of the end of speech",
            "reply_latency_ms": percentiles(latencies),
            "cpu_ms_per_session_second": round(cpu * 1000 / (connected * window), 3),
            "cpu_cores_used": round(cpu / window, 3),
            "cpu_cores_per_process": {name[p]: round((cpu1[p] - cpu0[p]) / window, 3)
                                      for p in pids},
            "caller_cpu_cores": round((mine1 - mine0) / window, 3),
            "rss_mb_per_session": round((sum(rss.values()) - sum(base_rss.values()))
                                        / connected, 3),
            "rss_mb_per_process": {name[p]: round(v, 1) for p, v in rss.items()},
        }
        if not args.baseline:
            result["hop_in_ms"] = {"p50": _mean(h[0] for h in hop_in),
                                   "p95": _mean(h[1] for h in hop_in)}
            result["hop_out_ms"] = {"p50": _mean(h[0] for h in hop_out),
                                    "p95": _mean(h[1] for h in hop_out)}
            result["kill"], on_victim = await kill_one_worker(args, server, http, callers,
                                                              audio, pids)
        await asyncio.gather(*tasks)
        if not args.baseline:
            others = [c for c in callers if c.room_id and c.room_id not in on_victim]
            result["kill"]["calls_lost_outside_it"] = sum(
                1 for c in others if c.closed_at is not None
                and c.closed_at < c.started + call_seconds - 1.0)
        result["load_average"] = [round(x, 2) for x in os.getloadavg()]
        result["cpu_count"] = os.cpu_count()
        return result
    finally:
        await http.close()
        server.stop()


async def kill_one_worker(
    args: argparse.Namespace, server: Server, http: aiohttp.ClientSession,
    callers: list[Caller], audio: dict[int, bytes], pids: list[int],
) -> tuple[dict[str, Any], set[str]]:
    """``kill -9`` the busiest worker process mid-call and watch what happens; returns the
    figures and the rooms that were on it."""
    loop = asyncio.get_running_loop()
    stats = await server.stats(http)
    placement = {job["room_id"]: job["resource_id"] for job in stats["worker"]["jobs"]}
    pid_of = {info["resource_id"]: info["metadata"]["pid"]
              for info in stats["worker"]["resource_info"]}
    victim = max(pid_of.values(), key=lambda pid: sum(
        1 for r in placement.values() if pid_of.get(r) == pid))
    on_victim = {room for room, resource in placement.items() if pid_of.get(resource) == victim}
    killed_at = loop.time()
    os.kill(victim, signal.SIGKILL)
    landed: list[float] = []

    async def new_call(i: int) -> None:
        ready = asyncio.Event()
        caller = Caller(args.sessions + i, 3.0)
        task = asyncio.ensure_future(caller.run(http, server.url(""), audio[0], ready))
        await asyncio.wait({task, asyncio.ensure_future(ready.wait())},
                           return_when=asyncio.FIRST_COMPLETED, timeout=10)
        if ready.is_set():
            landed.append(loop.time() - killed_at)
        await task

    probes = []
    replaced_after = None
    while loop.time() - killed_at < args.after_kill:
        if not landed and len(probes) < 100:
            probes.append(asyncio.ensure_future(new_call(len(probes))))
        if replaced_after is None:
            stats = await server.stats(http)
            fresh = [p for p, info in workers_of(stats).items()
                     if p not in pids and info["status"] in ("idle", "busy")]
            if fresh:
                replaced_after = loop.time() - killed_at
        await asyncio.sleep(0.05)
    await asyncio.gather(*probes)

    victims = [c for c in callers if c.room_id in on_victim]
    ended = [c.closed_at - killed_at for c in victims if c.closed_at is not None]
    return {
        "calls_on_killed_process": len(victims),
        "ended_with_code_1011": sum(1 for c in victims if c.close_code == 1011),
        "of_which_got_the_error_message": sum(
            1 for c in victims if c.close_code == 1011 and c.errors),
        "seconds_until_they_ended_max": round(max(ended), 3) if ended else None,
        "seconds_until_new_call_landed": round(landed[0], 3) if landed else None,
        "seconds_to_replace_process": round(replaced_after, 3)
        if replaced_after is not None else None,
    }, on_victim


def _mean(values: Any) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 3) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--jobs-per-process", type=int, default=150)
    parser.add_argument("--ramp", type=float, default=8.0, help="seconds to open the calls")
    parser.add_argument("--steady", type=float, default=16.0, help="measured window, seconds")
    parser.add_argument("--after-kill", type=float, default=8.0)
    parser.add_argument("--held-ms", type=int, default=1500)
    parser.add_argument("--baseline", action="store_true",
                        help="run the same calls on `vocalis serve` (one process, no hop)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
