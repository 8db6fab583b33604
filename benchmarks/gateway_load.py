"""Load on one ``vocalis gateway``: N concurrent real-time STT streams of real speech, and N TTS
streams, against the same N STT streams through in-process Whisper (as ``vocalis serve`` runs
it), in the same run, round after round.

Per N, five rounds, one after the other (``benchmarks/gateway_streams.py`` says what a stream
does): STT streams through the gateway (LiveKit's STT client; Whisper batches of up to 4), the
same through a second gateway whose Whisper never batches (the batching gain), the same streams
through in-process ``WhisperSTT`` sessions in one subprocess (as ``vocalis serve`` runs calls),
the same with one subprocess per call (as ``vocalis start``'s pool runs them by default), and
TTS streams through the gateway (LiveKit's TTS client, Piper). Each gateway is a ``vocalis gateway`` subprocess; the
clients run here, so the CPU figures are the serving process's alone.

Prints one JSON line per N and round kind, then a summary line: the capacity (the most streams
with every final back and the final's p95 under 1 s, from the request), CPU per stream, real-time
streams per core (1 / CPU cores per stream), the batching gain, and the gateway's ratio to
in-process Whisper. ``uptime``'s load rides on every line: the machine is shared.

    python benchmarks/gateway_load.py [--streams 1,2,4,8,12,16] [--utterances 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.gateway_streams import (  # noqa: E402
    StreamResult,
    UtteranceResult,
    decode_counts,
    material,
    plans,
    run_stt_stream,
    run_tts_stream,
    save_plan,
    warm_up,
)

TOKEN = "gateway-benchmark-token-0123456789abcdef"
CAPACITY_P95_MS = 1000.0
VOCALIS = [sys.executable, "-c", "import sys; from vocalis.cli import main; sys.exit(main())"]


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def word_error_rate(results: list[UtteranceResult]) -> float | None:
    from benchmarks.quality.scoring import WordErrors

    errors = WordErrors()
    for u in results:
        errors.add(u.text, u.heard)
    return errors.rate


def stt_figures(results: list[StreamResult], cpu_s: float, wall_s: float,
                decodes: dict[str, Any]) -> dict[str, Any]:
    utterances = [u for r in results for u in r.utterances]
    latencies = [u.latency_ms for u in utterances if u.latency_ms is not None]
    from_end = [u.from_speech_end_ms for u in utterances if u.from_speech_end_ms is not None]
    cores = cpu_s / wall_s if wall_s else 0.0
    return {
        "wer": word_error_rate(utterances),
        "finals": f"{len(latencies)}/{len(utterances)}",
        "final_p50_ms": percentile(latencies, 50), "final_p95_ms": percentile(latencies, 95),
        "from_speech_end_p50_ms": percentile(from_end, 50),
        "from_speech_end_p95_ms": percentile(from_end, 95),
        "cpu_cores": round(cores, 3),
        "cpu_cores_per_stream": round(cores / max(1, len(results)), 4),
        "client_lag_max_ms": round(max(r.lag_ms for r in results), 1),
        "whisper": decodes,
    }


def sustained(figures: dict[str, Any]) -> bool:
    done, total = figures["finals"].split("/")
    p95 = figures["final_p95_ms"]
    return done == total and p95 is not None and p95 < CAPACITY_P95_MS


# ---- the serving processes -----------------------------------------------------------------

@contextlib.asynccontextmanager
async def gateway(options: list[str], max_sessions: int, log: Path
                  ) -> AsyncIterator[tuple[str, int]]:
    """A ``vocalis gateway`` subprocess; yields its base URL and pid once it answers."""
    from benchmarks.quality.server import free_port, stop_popen

    port = free_port()
    out = open(log, "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [*VOCALIS, "gateway", "--port", str(port), "--token", TOKEN, "--max-stt",
         str(max_sessions), "--max-tts", str(max_sessions), *options],
        stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"vocalis gateway did not start (see {log})")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=2):
                break
            await asyncio.sleep(0.3)
        yield url, process.pid
    finally:
        stop_popen(process)
        out.close()


def process_cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


async def gateway_stt_round(url: str, pid: int, stream_plans: list, clips: list) -> dict[str, Any]:
    from vocalis.inference.livekit import STT

    sessions = [STT("whisper/tiny.en:en", base_url=f"{url}/v1") for _ in stream_plans]
    before = whisper_load_of(url)
    cpu0, wall0 = process_cpu(pid), time.perf_counter()
    results = await asyncio.gather(*(run_stt_stream(s, p, clips)
                                     for s, p in zip(sessions, stream_plans, strict=True)))
    cpu, wall = process_cpu(pid) - cpu0, time.perf_counter() - wall0
    decodes = decode_counts(before, whisper_load_of(url))
    rss_mb = psutil.Process(pid).memory_info().rss / 2**20
    for s in sessions:
        await s.aclose()
    return {**stt_figures(list(results), cpu, wall, decodes), "rss_mb": round(rss_mb, 1)}


def whisper_load_of(url: str) -> dict[str, Any]:
    """The gateway's Whisper scheduler load, from ``/health``."""
    with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
        schedulers = json.load(response)["schedulers"]
    return next((v for k, v in schedulers.items() if k.startswith("whisper")), {})


async def in_process_round(plan_path: Path) -> dict[str, Any]:
    """The streams through in-process ``WhisperSTT`` in one subprocess (``vocalis serve``)."""
    (data,) = await in_process_workers([plan_path])
    results = [StreamResult([UtteranceResult(**u) for u in r["utterances"]], r["lag_ms"])
               for r in data["streams"]]
    return {**stt_figures(results, data["cpu_s"], data["wall_s"], data["decodes"]),
            "rss_mb": data["rss_mb"]}


async def per_call_round(clips: list, stream_plans: list, tmp: Path) -> dict[str, Any]:
    """The streams through in-process ``WhisperSTT``, one subprocess per call (``vocalis start``'s
    default pool: ``jobs_per_process=1``), started together once every process has loaded."""
    paths = []
    for i, plan in enumerate(stream_plans):
        paths.append(Path(tmp, f"call{i}.npz"))
        save_plan(paths[-1], clips, [plan])
    runs = await in_process_workers(paths)
    results = [StreamResult([UtteranceResult(**u) for u in r["utterances"]], r["lag_ms"])
               for data in runs for r in data["streams"]]
    decodes = {"decodes": sum(d["decodes"]["decodes"] for d in runs),
               "model_calls": sum(d["decodes"]["model_calls"] for d in runs)}
    return {**stt_figures(results, sum(d["cpu_s"] for d in runs),
                          max(d["wall_s"] for d in runs), decodes),
            "rss_mb": round(sum(d["rss_mb"] for d in runs), 1)}


async def in_process_workers(paths: list[Path]) -> list[dict[str, Any]]:
    """One ``benchmarks.gateway_streams`` process per plan, let go together once all loaded."""
    processes = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.gateway_streams", str(path), "--ready",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=str(ROOT))
        for path in paths]
    for process in processes:
        assert process.stdout is not None
        line = await process.stdout.readline()
        if line.strip() != b"ready":
            raise RuntimeError(f"in-process worker failed to start: {line!r}")
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        await process.stdin.drain()
    outputs = await asyncio.gather(*(p.communicate() for p in processes))
    return [json.loads(out.decode().strip().splitlines()[-1]) for out, _ in outputs]


async def gateway_tts_round(url: str, pid: int, n: int, sentences: int) -> dict[str, Any]:
    from vocalis.inference.livekit import TTS

    def make() -> Any:
        return TTS("piper/joe", base_url=f"{url}/v1", sample_rate=22050)

    cpu0, wall0 = process_cpu(pid), time.perf_counter()
    latencies = await asyncio.gather(*(run_tts_stream(make, sentences, seed=i) for i in range(n)))
    cpu, wall = process_cpu(pid) - cpu0, time.perf_counter() - wall0
    flat = [x for stream in latencies for x in stream]
    cores = cpu / wall
    return {"tts_first_byte_p50_ms": percentile(flat, 50),
            "tts_first_byte_p95_ms": percentile(flat, 95),
            "cpu_cores": round(cores, 3), "cpu_cores_per_stream": round(cores / n, 4)}


async def warm_up_gateways(urls: list[str], clips: list) -> None:
    from vocalis.inference.livekit import STT, TTS

    for url in urls:
        stt = STT("whisper/tiny.en:en", base_url=f"{url}/v1")
        await warm_up(stt, clips[0])
        await stt.aclose()
        await run_tts_stream(lambda u=url: TTS("piper/joe", base_url=f"{u}/v1"), 1, seed=0)


# ---- the run ----------------------------------------------------------------------------------

def summary(rows: dict[str, dict[int, dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {"figure": "gateway_load_summary", "capacity_p95_ms": CAPACITY_P95_MS}
    for kind in ("gateway_stt", "gateway_stt_unbatched", "in_process_stt",
                 "per_call_process_stt"):
        curve = rows.get(kind, {})
        ok = [n for n, f in curve.items() if sustained(f)]
        capacity = max(ok, default=0)
        # CPU per stream where there are several streams to batch (the largest sustained N).
        per_stream = curve[capacity]["cpu_cores_per_stream"] if capacity else None
        out[kind] = {"capacity_streams": capacity, "cpu_cores_per_stream": per_stream,
                     "streams_per_core": round(1 / per_stream, 1) if per_stream else None}
    g, u, i = out["gateway_stt"], out["gateway_stt_unbatched"], out["in_process_stt"]
    if g["streams_per_core"] and u["streams_per_core"]:
        out["batching_gain"] = round(g["streams_per_core"] / u["streams_per_core"], 2)
    if g["streams_per_core"] and i["streams_per_core"]:
        out["streams_per_core_ratio_vs_in_process"] = round(
            g["streams_per_core"] / i["streams_per_core"], 2)
    if g["capacity_streams"] and i["capacity_streams"]:
        out["capacity_ratio_vs_in_process"] = round(g["capacity_streams"] / i["capacity_streams"], 2)
    p = out["per_call_process_stt"]
    if g["streams_per_core"] and p["streams_per_core"]:
        out["streams_per_core_ratio_vs_per_call_processes"] = round(
            g["streams_per_core"] / p["streams_per_core"], 2)
    out["load_avg"] = load_average()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", default="1,2,4,8,12,16")
    parser.add_argument("--utterances", type=int, default=3, help="questions per STT stream")
    parser.add_argument("--sentences", type=int, default=3, help="sentences per TTS stream")
    parser.add_argument("--skip", default="", help="round kinds to skip, comma-separated")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gateway-options", default="",
                        help='more options for the gateway, e.g. "--stt-workers 1 --stt-threads 2"')
    args = parser.parse_args()
    os.environ.update({"LIVEKIT_API_KEY": "benchmark", "LIVEKIT_API_SECRET": TOKEN})
    counts = [int(n) for n in args.streams.split(",")]
    skip = set(filter(None, args.skip.split(",")))
    clips = material()
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    options = args.gateway_options.split()
    with tempfile.TemporaryDirectory() as tmp:
        async with gateway([*options, "--stt-batch", "4"], max(counts),
                           Path(tmp, "gateway.log")) as (url, pid), \
                gateway([*options, "--stt-batch", "1"], max(counts),
                        Path(tmp, "gateway-unbatched.log")) as (url1, pid1):
            await warm_up_gateways([url, url1], clips)
            for n in counts:
                stream_plans = plans(n, args.utterances, len(clips), args.seed + n)
                plan_path = Path(tmp, f"plan{n}.npz")
                save_plan(plan_path, clips, stream_plans)
                rounds = {
                    "gateway_stt": partial(gateway_stt_round, url, pid, stream_plans, clips),
                    "gateway_stt_unbatched": partial(gateway_stt_round, url1, pid1,
                                                     stream_plans, clips),
                    "in_process_stt": partial(in_process_round, plan_path),
                    "per_call_process_stt": partial(per_call_round, clips, stream_plans,
                                                    Path(tmp)),
                    "gateway_tts": partial(gateway_tts_round, url, pid, n, args.sentences),
                }
                for kind, run in rounds.items():
                    if kind in skip:
                        continue
                    load = load_average()
                    figures = await run()
                    rows.setdefault(kind, {})[n] = figures
                    print(json.dumps({"figure": "gateway_load", "round": kind, "streams": n,
                                      **figures, "load_avg_before": load,
                                      "load_avg_after": load_average(),
                                      "cores": os.cpu_count()}), flush=True)
    print(json.dumps(summary(rows)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
