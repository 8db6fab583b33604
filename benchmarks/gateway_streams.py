"""The streams of ``gateway_load.py``: real speech, what each caller says when, and the two
kinds of load (STT and TTS) with the figures of one stream.

An STT stream is one caller: after a random lead, it says a few questions (Piper and espeak-ng
voices, ``benchmarks/quality``'s speech) in real time, 20 ms frames on the clock, and 0.3 s after
each one's last voiced sample it asks for the final (``flush``, as a pipeline's VAD does); the
final's latency is measured from that request. A TTS stream is an agent speaking: it asks for a
sentence, listens to it in real time, pauses, and asks for the next; first-byte latency is
measured from each request.

``python -m benchmarks.gateway_streams PLAN.npz`` runs a plan's STT streams through in-process
``WhisperSTT`` sessions (as ``vocalis serve`` runs them) and prints one JSON line of results;
with ``--ready`` it loads the model, prints ``ready`` and waits for a line on stdin first (so
several such processes start their streams together: one process per call, as ``vocalis
start``'s pool runs calls by default).
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

RATE = 16000
CHUNK = 0.02
VAD_WAIT = 0.3
"""Silence after the last voiced sample before the final is asked for (the example's VAD)."""
GAP = 1.2
"""More silence after the request, before the next question."""
FINAL_TIMEOUT = 15.0
VOICES = ("piper-joe", "espeak-us", "espeak-gb-f", "piper-joe-slow", "espeak-us-fast")
WHISPER_SETTINGS: dict[str, Any] = {"model": "tiny.en", "pause_decode_after": 0.1}
"""``WhisperSTT`` as the example (and ``vocalis serve``) runs it; the gateway uses the same."""


@dataclass(frozen=True)
class Utterance:
    text: str
    voice: str
    audio: np.ndarray  # int16 at 16 kHz, trimmed to the voiced span
    voiced_end: float


def material(count: int = 12) -> list[Utterance]:
    """``count`` questions in the benchmark's voices, at 16 kHz."""
    from benchmarks.quality.corpus import QUESTIONS
    from benchmarks.quality.speech import synthesize, voice_named, voiced_span

    out = []
    for i, text in enumerate(QUESTIONS[:count]):
        voice = VOICES[i % len(VOICES)]
        audio = synthesize(voice_named(voice), text, RATE)
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        out.append(Utterance(text, voice, pcm, voiced_span(audio, RATE)[1]))
    return out


@dataclass(frozen=True)
class StreamPlan:
    """One caller: a lead of silence, then these utterances (indices into the material)."""

    lead: float
    utterances: tuple[int, ...]


def plans(n: int, per_stream: int, material_size: int, seed: int) -> list[StreamPlan]:
    rng = random.Random(seed)
    return [StreamPlan(round(rng.uniform(0.0, 1.5), 2),
                       tuple(rng.randrange(material_size) for _ in range(per_stream)))
            for _ in range(n)]


@dataclass
class UtteranceResult:
    text: str
    heard: str = ""
    latency_ms: float | None = None  #: flush to FINAL
    from_speech_end_ms: float | None = None  #: last voiced sample to FINAL


@dataclass
class StreamResult:
    utterances: list[UtteranceResult] = field(default_factory=list)
    lag_ms: float = 0.0  #: how late the stream's frames went out, at worst (a loaded client)


async def run_stt_stream(stt: Any, plan: StreamPlan, clips: list[Utterance]) -> StreamResult:
    """Say ``plan`` into ``stt`` (any Vocalis STT: a gateway client or a local WhisperSTT)."""
    from vocalis.stt import SpeechEventType

    finals: list[tuple[float, str]] = []

    async def on_result(response: Any) -> None:
        if response.event_type is SpeechEventType.FINAL and response.data.text.strip():
            finals.append((time.perf_counter(), response.data.text.strip()))

    stt.on_stt_transcript(on_result)
    step = int(CHUNK * RATE)
    silence = np.zeros(int(RATE * (VAD_WAIT + GAP)), np.int16)
    audio, marks = [np.zeros(int(plan.lead * RATE), np.int16)], []
    at = len(audio[0])
    for index in plan.utterances:
        clip = clips[index]
        speech_end = at + int(clip.voiced_end * RATE)
        marks.append((clip.text, speech_end, speech_end + int(VAD_WAIT * RATE)))
        audio += [clip.audio, silence]
        at += len(clip.audio) + len(silence)
    pcm = np.concatenate(audio)
    flushes: list[asyncio.Task[None]] = []
    flushed: list[float] = []
    result = StreamResult()
    start = time.perf_counter()
    pending = list(marks)
    for offset in range(0, len(pcm), step):
        due = start + offset / RATE
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            result.lag_ms = max(result.lag_ms, -delay * 1000)
        await stt.process_audio(pcm[offset : offset + step].tobytes())
        if pending and offset + step >= pending[0][2]:
            pending.pop(0)
            flushed.append(time.perf_counter())
            flushes.append(asyncio.ensure_future(stt.flush()))  # the final comes on its own
    deadline = time.perf_counter() + FINAL_TIMEOUT
    while len(finals) < len(marks) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.gather(*flushes, return_exceptions=True)
    for i, (text, speech_end, _) in enumerate(marks):
        asked = flushed[i]
        until = flushed[i + 1] if i + 1 < len(flushed) else float("inf")
        mine = [(t, heard) for t, heard in finals if asked <= t < until]
        u = UtteranceResult(text, " ".join(h for _, h in mine))
        if mine:
            u.latency_ms = round((mine[0][0] - asked) * 1000, 1)
            u.from_speech_end_ms = round((mine[0][0] - start - speech_end / RATE) * 1000, 1)
        result.utterances.append(u)
    return result


async def warm_up(stt: Any, clip: Utterance) -> None:
    """One utterance through ``stt`` as fast as it goes, and its final: the first decodes of a
    fresh process are slow (allocations), and no round should pay for them."""
    pcm = np.concatenate([clip.audio, np.zeros(int(RATE * 0.5), np.int16)])
    step = int(CHUNK * RATE)
    for offset in range(0, len(pcm), step):
        await stt.process_audio(pcm[offset : offset + step].tobytes())
    await stt.flush()
    await asyncio.sleep(0.5)


SENTENCES = (
    "Sure, I can help you with that right away.",
    "The museum opens at ten in the morning on Sundays.",
    "Your table for six is booked for eight o'clock tonight.",
    "It is about three hundred kilometers from London to Manchester.",
)


async def run_tts_stream(make_tts: Any, sentences: int, seed: int) -> list[float]:
    """First-byte latencies (ms) of ``sentences`` sentences, each listened to in real time."""
    rng = random.Random(seed)
    tts = make_tts()
    latencies: list[float] = []
    first: list[float] = []
    received = [0]

    class Track:
        can_pause = False

        async def add_new_bytes(self, audio: bytes) -> None:
            if not first:
                first.append(time.perf_counter())
            received[0] += len(audio)

        def interrupt(self) -> None:
            pass

    tts.audio_track = Track()
    tts.loop = asyncio.get_running_loop()
    await asyncio.sleep(rng.uniform(0.0, 1.5))
    try:
        for _ in range(sentences):
            first.clear()
            received[0] = 0
            asked = time.perf_counter()
            await tts.synthesize(rng.choice(SENTENCES))
            latencies.append((first[0] - asked) * 1000 if first else FINAL_TIMEOUT * 1000)
            played = received[0] / 2 / tts.sample_rate
            await asyncio.sleep(max(0.0, asked + played - time.perf_counter()) + 0.5)
    finally:
        await tts.aclose()
    return latencies


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def save_plan(path: Path, clips: list[Utterance], stream_plans: list[StreamPlan]) -> None:
    meta = {"clips": [{"text": c.text, "voice": c.voice, "voiced_end": c.voiced_end}
                      for c in clips],
            "plans": [asdict(p) for p in stream_plans]}
    np.savez(path, meta=json.dumps(meta), **{f"clip{i}": c.audio for i, c in enumerate(clips)})


def load_plan(path: Path) -> tuple[list[Utterance], list[StreamPlan]]:
    data = np.load(path)
    meta = json.loads(str(data["meta"]))
    clips = [Utterance(c["text"], c["voice"], data[f"clip{i}"], c["voiced_end"])
             for i, c in enumerate(meta["clips"])]
    return clips, [StreamPlan(p["lead"], tuple(p["utterances"])) for p in meta["plans"]]


async def in_process(path: Path, wait_for_go: bool) -> dict[str, Any]:
    """The plan's STT streams through in-process ``WhisperSTT`` sessions; results and CPU."""
    from vocalis.plugins.whisper import WhisperSTT

    clips, stream_plans = load_plan(path)
    sessions = [WhisperSTT(**WHISPER_SETTINGS) for _ in stream_plans]
    for s in sessions:
        await s.prewarm()
    first = WhisperSTT(**WHISPER_SETTINGS)
    await warm_up(first, clips[0])
    await first.aclose()
    if wait_for_go:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
    before = whisper_load()
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    results = await asyncio.gather(*(run_stt_stream(s, p, clips)
                                     for s, p in zip(sessions, stream_plans, strict=True)))
    cpu, wall = cpu_seconds() - cpu0, time.perf_counter() - wall0
    decodes = decode_counts(before, whisper_load())
    for s in sessions:
        await s.aclose()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"streams": [asdict(r) for r in results], "cpu_s": cpu, "wall_s": wall,
            "decodes": decodes, "rss_mb": round(rss_mb, 1)}


def whisper_load() -> dict[str, Any]:
    """This process's Whisper scheduler load (as ``/health`` reports a gateway's)."""
    from vocalis.utils.inference_scheduler import live_schedulers

    return next((asdict(s.load()) for s in live_schedulers() if s.name.startswith("whisper")),
                {})


def decode_counts(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Decodes run, model calls and the mean batch, and requests dropped, between two loads."""
    done = after.get("completed", 0) - before.get("completed", 0)
    calls = after.get("batches", 0) - before.get("batches", 0)
    dropped = {k: v - before.get("dropped", {}).get(k, 0)
               for k, v in after.get("dropped", {}).items()}
    return {"decodes": done, "model_calls": calls,
            "mean_batch": round(done / calls, 2) if calls else None,
            "dropped": {k: v for k, v in dropped.items() if v}}


if __name__ == "__main__":
    result = asyncio.run(in_process(Path(sys.argv[1]), "--ready" in sys.argv[2:]))
    print(json.dumps(result), flush=True)
