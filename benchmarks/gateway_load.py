"""Load on one ``vocalis gateway``: N concurrent real-time STT streams of real speech and N
TTS streams, against the same N in-process Whisper sessions (what ``vocalis serve`` runs).

Prints one JSON line per N: STT word error rate, final-transcript latency p50/p95 (end of the
audio to the FINAL), TTS first-byte p50/p95, and CPU seconds per stream per second of audio,
for the gateway and for in-process Whisper. Run:
``python benchmarks/gateway_load.py [--streams 1,2,4] [--model tiny.en]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import time
from typing import Any

import numpy as np

SENTENCES = (
    "The weather is sunny and warm today.",
    "Please book a table for two people at seven.",
    "I would like to order a large pizza with mushrooms.",
    "Could you tell me how long the delivery will take?",
)
TOKEN = "gateway-benchmark-token-0123456789abcdef"
CHUNK_SECONDS = 0.02


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


async def speech() -> list[bytes]:
    """The sentences spoken by Piper, at 16 kHz, each followed by 0.3 s of silence."""
    import soxr

    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    clips = []
    for text in SENTENCES:
        pcm = b"".join([c async for c in tts.stream_synthesize(text)])
        audio = np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0
        at16k = np.clip(soxr.resample(audio, tts.sample_rate, 16000), -1, 1) * 32767
        clips.append(at16k.astype("<i2").tobytes() + bytes(int(0.3 * 16000) * 2))
    return clips


async def stream_stt(stt: Any, pcm: bytes, text: str) -> tuple[float, float]:
    """Feed ``pcm`` in real time, flush; (final latency ms, WER)."""
    from vocalis.stt import SpeechEventType

    finals: list[tuple[float, str]] = []

    async def on_result(response: Any) -> None:
        if response.event_type is SpeechEventType.FINAL:
            finals.append((time.perf_counter(), response.data.text))

    stt.on_stt_transcript(on_result)
    step = int(CHUNK_SECONDS * 16000) * 2
    start = time.perf_counter()
    for i, offset in enumerate(range(0, len(pcm), step)):
        await stt.process_audio(pcm[offset : offset + step])
        delay = start + (i + 1) * CHUNK_SECONDS - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    flushed = time.perf_counter()
    await stt.flush()
    deadline = flushed + 30
    while not finals and time.perf_counter() < deadline:
        await asyncio.sleep(0.005)
    if not finals:
        return 30_000.0, 1.0
    at = finals[-1][0]
    return (max(0.0, at - flushed)) * 1000, wer(text, " ".join(t for _, t in finals))


async def stt_round(make: Any, n: int, clips: list[bytes]) -> dict[str, Any]:
    sessions = [make() for _ in range(n)]
    for s in sessions:
        await s.prewarm()
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    results = await asyncio.gather(*(
        stream_stt(s, clips[i % len(clips)], SENTENCES[i % len(SENTENCES)])
        for i, s in enumerate(sessions)))
    cpu = cpu_seconds() - cpu0
    audio = sum(len(clips[i % len(clips)]) / 32000 for i in range(n))
    for s in sessions:
        await s.aclose()
    latencies = [r[0] for r in results]
    return {
        "wer": round(float(np.mean([r[1] for r in results])), 3),
        "final_p50_ms": percentile(latencies, 50), "final_p95_ms": percentile(latencies, 95),
        "cpu_per_stream_per_audio_s": round(cpu / audio, 3),
        "wall_s": round(time.perf_counter() - wall0, 2),
    }


async def tts_round(make: Any, n: int) -> dict[str, Any]:
    async def one(i: int) -> float:
        tts = make()
        first: list[float] = []

        class Track:
            can_pause = False

            async def add_new_bytes(self, audio: bytes) -> None:
                if not first:
                    first.append(time.perf_counter())

            def interrupt(self) -> None:
                pass

        tts.audio_track = Track()
        tts.loop = asyncio.get_running_loop()
        start = time.perf_counter()
        await tts.synthesize(SENTENCES[i % len(SENTENCES)])
        await tts.aclose()
        return (first[0] - start) * 1000 if first else 30_000.0

    ttfb = await asyncio.gather(*(one(i) for i in range(n)))
    return {"tts_first_byte_p50_ms": percentile(list(ttfb), 50),
            "tts_first_byte_p95_ms": percentile(list(ttfb), 95)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", default="1,2,4")
    parser.add_argument("--model", default="tiny.en")
    args = parser.parse_args()
    os.environ["VIDEOSDK_AUTH_TOKEN"] = TOKEN
    os.environ["LIVEKIT_API_KEY"] = "benchmark"
    os.environ["LIVEKIT_API_SECRET"] = TOKEN

    from vocalis.gateway import GatewayConfig, GatewayServer
    from vocalis.inference import STT
    from vocalis.inference.livekit import TTS
    from vocalis.plugins.whisper import WhisperSTT

    clips = await speech()
    counts = [int(n) for n in args.streams.split(",")]
    server = GatewayServer(GatewayConfig(port=0, token=TOKEN, stt_model=args.model,
                                         max_stt_sessions=max(counts),
                                         max_tts_sessions=max(counts)))
    await server.models.prewarm()
    await server.start()
    ws_base = f"ws://127.0.0.1:{server.port}"
    try:
        for n in counts:
            gateway = await stt_round(
                lambda: STT.deepgram(base_url=ws_base, input_sample_rate=16000), n, clips)
            local = await stt_round(lambda: WhisperSTT(model=args.model), n, clips)
            tts = await tts_round(
                lambda: TTS("piper/joe", base_url=server.base_url, sample_rate=24000), n)
            print(json.dumps({
                "figure": "gateway_load", "streams": n, "model": args.model,
                "gateway_stt": gateway, "in_process_stt": local, **tts,
                "cores": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2),
            }), flush=True)
    finally:
        await server.aclose()


if __name__ == "__main__":
    asyncio.run(main())
