"""Conversation quality through every transport, measured from the caller's side.

Starts ``vocalis serve benchmarks/quality/echo_agent.py`` (the example assistant's local stack
with an LLM that repeats what it heard) on a free loopback port, or talks to ``--url``, and
calls it the way users do, in real time: ``/twilio`` (Twilio Media Streams, mu-law 8 kHz),
``/ws`` (raw PCM 16 kHz), WebRTC (an aiortc peer, Opus 48 kHz) and file mode (``vocalis run``
on a WAV). The callers are Piper and espeak-ng voices at two speaking rates, clean and in pink
noise at 20 and 10 dB SNR. They ask questions, pause mid-sentence, say "mm-hmm" over the
agent's answers and interrupt them.

Per path it prints one JSON line: the word error rate of what reached the LLM against the same
Whisper model decoding the same received audio offline (and against the reference text),
first-reply latency, barge-in stop latency, false barge-ins, premature cut-offs and missed
turns, each beside its target. A last line summarises; ``--json-out`` keeps everything,
utterance by utterance.

    python benchmarks/conversation_quality.py                 # full run (about 15 minutes)
    python benchmarks/conversation_quality.py --quick         # smoke run (about 2 minutes)
    python benchmarks/conversation_quality.py --paths twilio,ws --snr clean,10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality.clips import clip, step_clips
from quality.conversation import play
from quality.file_call import run_file_call
from quality.lines import open_line
from quality.microphone import Microphone
from quality.record import CallRecord
from quality.report import markdown_table, path_report, rescore, summary
from quality.scoring import WER_KINDS, CallScore, score_call
from quality.server import llm_turns, read_log, serve_echo_agent
from quality.speech import VOICES, espeak_available, noise_bed
from quality.yardstick import OfflineWhisper, received_by_server, segment

from quality import corpus

PATHS = ("twilio", "ws", "webrtc", "file")
PATH_RATES = {"twilio": 8000, "ws": 16000, "webrtc": 48000}
CONDITIONS = {"clean": None, "20": 20.0, "10": 10.0}


@dataclass
class Call:
    path: str
    condition: str
    rate: int
    steps: list[tuple[corpus.Step, Any, list[Any]]]
    mic: Microphone


def condition_name(snr: float | None) -> str:
    return "clean" if snr is None else f"snr{snr:g}"


def _snr_key(condition: str) -> str:
    return condition.removeprefix("snr")


def build_calls(args: argparse.Namespace) -> list[Call]:
    """One call per path and condition, ordered so that calls running side by side are on
    different paths (file mode, its own process, beside a live one)."""
    calls = []
    for index, snr_name in enumerate(args.snr):
        snr = CONDITIONS[snr_name]
        if args.quick:
            size = corpus.QUICK if snr is None else corpus.QUICK_NOISY
        else:
            size = corpus.FULL_CLEAN if snr is None else corpus.FULL_NOISY
        plan = corpus.plan_call(size, args.voices, seed=index)
        for path in args.paths:
            rate = args.file_rate if path == "file" else PATH_RATES[path]
            steps = [(step, *step_clips(step, rate)) for step in plan.steps]
            seconds = 60 + sum(len(c.audio) for _, c, _ in steps) / rate * 3
            mic = Microphone(rate, noise_bed(snr, min(seconds, 120), rate, seed=11 + index))
            calls.append(Call(path, condition_name(snr), rate, steps, mic))
    order = {p: i for i, p in enumerate(("file", "twilio", "webrtc", "ws"))}
    return sorted(calls, key=lambda c: (args.snr.index(_snr_key(c.condition)),
                                        order[c.path] % 2, order[c.path]))


async def run_live_call(call: Call, base_url: str, log: Path) -> CallRecord:
    call_id = f"{call.path}-{call.condition}-{uuid.uuid4().hex[:8]}"
    async with open_line(call.path, base_url, call.mic, call_id) as line:
        await play(line, call.steps)
        await asyncio.sleep(0.5)
    record = CallRecord(call.path, call.condition, call.rate, call.mic.sent(),
                        call.mic.utterances, line.agent, interrupts=list(line.interrupts),
                        notes=list(line.notes))
    entries = read_log(log, call_id)
    record.llm_turns = llm_turns(entries)
    record.server_events = [(e["wall"], e["event"]) for e in entries]
    return record


async def warm_up(base_url: str, voices: list[str]) -> None:
    """One short call, so that no measured call pays for loading the models."""
    mic = Microphone(16000)
    question = clip("turn", corpus.QUESTIONS[0], voices[0], 16000)
    async with open_line("ws", base_url, mic, "warm-up") as line:
        spoken = await mic.say(question)
        await line.agent.wait_audible(after=spoken.voiced_end, timeout=10)
        await line.agent.wait_quiet(0.8, 20)


async def run_calls(calls: list[Call], args: argparse.Namespace, workdir: Path,
                    base_url: str | None, log: Path) -> list[CallRecord]:
    limit = asyncio.Semaphore(args.parallel)

    async def one(call: Call) -> CallRecord:
        async with limit:
            if call.path == "file":
                name = f"file-{call.condition}-{uuid.uuid4().hex[:6]}"
                return await run_file_call(call.steps, call.mic, workdir, name, call.condition)
            assert base_url is not None
            return await run_live_call(call, base_url, log)

    return list(await asyncio.gather(*(one(c) for c in calls)))


def decode_offline(records: list[CallRecord]) -> list[dict[int, str]]:
    """The yardstick for every utterance that should reach the LLM."""
    whisper = OfflineWhisper()
    out = []
    for record in records:
        received = received_by_server(record.path, record.sent, record.rate)
        out.append({i: whisper(segment(received, record.rate, u))
                    for i, u in enumerate(record.utterances) if u.kind in WER_KINDS})
    return out


def save_audio(records: list[CallRecord], workdir: Path) -> None:
    """Both sides of every call as a stereo WAV (caller left, agent right), for listening."""
    import numpy as np

    from vocalis.audio import resample_pcm

    for record in records:
        if not record.utterances:
            continue
        caller = np.frombuffer(resample_pcm(record.sent.tobytes(), record.rate, 16000), "<i2")
        t0 = record.utterances[0].onset - record.utterances[0].start_sample / record.rate
        agent = record.agent.render(t0, len(caller) / 16000)
        n = min(len(caller), len(agent))
        stereo = np.stack([caller[:n], agent[:n]], axis=1).astype("<i2")
        name = workdir / f"{record.path}-{record.condition}.call.wav"
        with wave.open(str(name), "wb") as out:
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(16000)
            out.writeframes(stereo.tobytes())


def git_commit(*path: str) -> str:
    """The checkout's commit, or the last commit that touched ``path`` (from the root)."""
    command = ["git", "log", "-1", "--format=%h", *(["--", *path] if path else [])]
    try:
        return subprocess.run(command, capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[1], check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


async def measure(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    load_before = os.getloadavg()
    started = time.time()
    commits = {"commit": git_commit(), "src_commit": git_commit("src/vocalis")}
    calls = build_calls(args)
    live = [c for c in calls if c.path != "file"]
    log = Path(args.llm_log) if args.llm_log else workdir / "llm.jsonl"
    if live and args.url:
        await warm_up(args.url, args.voices)
        records = await run_calls(calls, args, workdir, args.url, log)
    elif live:
        async with serve_echo_agent(workdir) as base_url:
            await warm_up(base_url, args.voices)
            records = await run_calls(calls, args, workdir, base_url, log)
    else:
        records = await run_calls(calls, args, workdir, None, log)
    load_after_calls = os.getloadavg()
    if args.workdir:
        save_audio(records, workdir)
    offline = decode_offline(records)
    scores: list[CallScore] = [score_call(r, o) for r, o in zip(records, offline, strict=True)]
    paths = {path: path_report(path, [s for s in scores if s.path == path])
             for path in args.paths}
    return {
        "benchmark": "conversation_quality",
        **commits,
        "mode": "quick" if args.quick else "full",
        "seconds": round(time.time() - started, 1),
        "machine": {"cores": os.cpu_count(), "load_before": [round(x, 2) for x in load_before],
                    "load_after_calls": [round(x, 2) for x in load_after_calls],
                    "parallel_calls": args.parallel},
        "config": {"voices": args.voices, "conditions": [condition_name(CONDITIONS[s])
                                                         for s in args.snr],
                   "file_rate": args.file_rate, "agent": "benchmarks/quality/echo_agent.py "
                   "(examples/assistant.py build_pipeline + instant echo LLM)"},
        "paths": paths,
        "summary": summary(paths),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paths", default=",".join(PATHS),
                        help=f"comma-separated, from {','.join(PATHS)} (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="a small clean subset for CI and smoke tests (about 2 minutes)")
    parser.add_argument("--voices", default=None,
                        help=f"comma-separated, from {','.join(v.name for v in VOICES)}")
    parser.add_argument("--snr", default=None,
                        help="comma-separated conditions from clean,20,10 (default: all; "
                             "--quick: clean)")
    parser.add_argument("--json-out", default=None, help="write the full results here")
    parser.add_argument("--url", default=None,
                        help="a server already running benchmarks/quality/echo_agent.py with "
                             "VOCALIS_QUALITY_LOG set (pass the same file as --llm-log)")
    parser.add_argument("--llm-log", default=None, help="the echo agent's log (with --url)")
    parser.add_argument("--parallel", type=int, default=2,
                        help="calls at once (default 2: a live call beside a file run; use 1 "
                             "on a busy machine, where contention would be measured too)")
    parser.add_argument("--file-rate", type=int, default=48000,
                        help="sample rate of the file-mode WAV (default 48000)")
    parser.add_argument("--workdir", default=None,
                        help="keep the calls' WAVs (caller left, agent right) and logs here")
    parser.add_argument("--rescore", default=None, metavar="JSON",
                        help="recompute the figures of a saved --json-out file; no calls")
    parser.add_argument("--markdown", action="store_true",
                        help="print a table (one row per path and noise) instead of JSON lines")
    args = parser.parse_args(argv)
    args.paths = [p for p in args.paths.split(",") if p]
    for path in args.paths:
        if path not in PATHS:
            parser.error(f"unknown path {path!r}")
    default_voices = [v.name for v in VOICES if v.engine == "piper" or espeak_available()]
    args.voices = args.voices.split(",") if args.voices else default_voices
    args.snr = (args.snr or ("clean" if args.quick else "clean,20,10")).split(",")
    for snr in args.snr:
        if snr not in CONDITIONS:
            parser.error(f"unknown --snr {snr!r}; use clean, 20 or 10")
    if args.url and not args.llm_log:
        parser.error("--url needs --llm-log (the server's VOCALIS_QUALITY_LOG file)")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.rescore:
        result = rescore(json.loads(Path(args.rescore).read_text(encoding="utf-8")))
    else:
        with tempfile.TemporaryDirectory(prefix="vocalis-quality-") as tmp:
            workdir = Path(args.workdir or tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            result = asyncio.run(measure(args, workdir))
    if args.markdown:
        print(markdown_table(result))
    else:
        for path, report in result["paths"].items():
            line = {k: v for k, v in report.items() if k not in ("utterances", "timelines")}
            print(json.dumps({"path": path, **line}))
        print(json.dumps({"summary": result["summary"], "seconds": result["seconds"],
                          "machine": result["machine"], "commit": result["commit"],
                          "src_commit": result.get("src_commit")}))
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
