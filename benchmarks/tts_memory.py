"""Memory of Piper in a long-running server; prints one JSON object.

``cases``: each in a fresh process, load the voice, note RSS, speak ``chars`` characters of
words without any punctuation (the shape of a typed message or an LLM reply that never ends a
sentence) through ``PiperTTS.synthesize`` as a session would, and report the peak RSS above
the loaded voice. Bounded synthesis keeps the peak flat whatever the length.

``lengths``: in a fresh process, speak ``--sentences`` sentences of distinct lengths, then the
same ones again, twice: RSS after each round. It must level off after the first round (a
server meets every sentence length sooner or later); ONNX Runtime's per-shape memory patterns
made it creep up on every round. Run: ``python benchmarks/tts_memory.py [--chars 1000 4000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time

import psutil

SENTENCE = (
    "please tell me about the weather tomorrow and then book a table for two people at the "
    "small italian place near the station because my friend is visiting from out of town"
)
WORDS = SENTENCE.split(" ")


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def unpunctuated(chars: int) -> str:
    words: list[str] = []
    length = 0
    while length < chars:
        word = WORDS[len(words) % len(WORDS)]
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:chars]


class _CountingTrack:
    """Counts the bytes the TTS pushes (nothing is kept)."""

    def __init__(self) -> None:
        self.bytes = 0

    async def add_new_bytes(self, pcm: bytes) -> None:
        self.bytes += len(pcm)


async def _measure(chars: int) -> dict[str, float]:
    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    await tts.prewarm()
    [chunk async for chunk in tts.stream_synthesize("Warm up.")]
    loaded = rss_mb()
    track = _CountingTrack()
    tts.audio_track = track
    start = time.perf_counter()
    await tts.synthesize(unpunctuated(chars))
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "chars": chars,
        "loaded_rss_mb": round(loaded, 1),
        "peak_rss_mb": round(peak, 1),
        "peak_above_loaded_mb": round(peak - loaded, 1),
        "rss_after_mb": round(rss_mb(), 1),
        "audio_seconds": round(track.bytes / 2 / tts.sample_rate, 1),
        "compute_seconds": round(elapsed, 1),
    }


async def _measure_lengths(sentences: int) -> dict[str, object]:
    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    tts.audio_track = _CountingTrack()
    texts = [unpunctuated(20 + 2 * i).strip() + "." for i in range(sentences)]
    await tts.synthesize(texts[0])
    rounds = [round(rss_mb(), 1)]
    for _ in range(3):
        for text in texts:
            await tts.synthesize(text)
        rounds.append(round(rss_mb(), 1))
    return {"sentences": sentences, "rss_after_each_round_mb": rounds,
            "growth_in_rounds_2_3_mb": round(rounds[-1] - rounds[1], 1)}


def _child(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=os.environ,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chars", type=int, nargs="+", default=[200, 1000, 4000])
    parser.add_argument("--sentences", type=int, default=80, help="distinct lengths (0: skip)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-lengths", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(asyncio.run(_measure(args.child))))
        return
    if args.child_lengths is not None:
        print(json.dumps(asyncio.run(_measure_lengths(args.child_lengths))))
        return
    report: dict[str, object] = {"benchmark": "tts_memory", "load": os.getloadavg()[0]}
    report["cases"] = [_child("--child", str(chars)) for chars in args.chars]
    if args.sentences:
        report["lengths"] = _child("--child-lengths", str(args.sentences))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
