"""Speed and memory of the embedded local models; prints one JSON object.

Figures: ``*_rtf`` are compute seconds per second of audio (lower is better, < 1 is faster
than real time), measured through each plugin's public async API as a session would call it;
``model_memory_mb`` is the resident memory each model adds when loaded (its runtime included,
in load order); ``turn_detector_ms`` is one end-of-turn prediction; ``stt_final_ms`` is the
STT's share of end-of-turn latency (flush to FINAL, audio fed in real time). Run:
``python benchmarks/local_models.py``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import time
from typing import Any

import numpy as np
import psutil

SENTENCES = (
    "The weather is sunny and warm today.",
    "Please book a table for two people at seven.",
    "I would like to order a large pizza with mushrooms.",
    "Could you tell me how long the delivery will take?",
)


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


async def measure_load(memory: dict[str, float], name: str, prewarm: Any) -> None:
    before = rss_mb()
    await prewarm()
    memory[name] = round(rss_mb() - before, 1)


def resample(pcm: bytes, src: int, dst: int) -> np.ndarray:
    import soxr

    audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    return (np.clip(soxr.resample(audio, src, dst), -1, 1) * 32767).astype("<i2")


async def bench_tts(memory: dict[str, float]) -> tuple[dict[str, Any], list[bytes], int]:
    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    await measure_load(memory, "piper_en_US-joe-medium", tts.prewarm)
    clips, compute = [], 0.0
    for text in SENTENCES:
        start = time.perf_counter()
        clips.append(b"".join([c async for c in tts.stream_synthesize(text)]))
        compute += time.perf_counter() - start
    seconds = sum(len(c) for c in clips) / 2 / tts.sample_rate
    start = time.perf_counter()
    async for _ in tts.stream_synthesize(" ".join(SENTENCES)):
        ttfb = time.perf_counter() - start
        break
    figures = {"tts_rtf": round(compute / seconds, 4), "tts_ttfb_ms": round(ttfb * 1000, 1)}
    return figures, clips, tts.sample_rate


async def bench_vad(memory: dict[str, float], speech: np.ndarray) -> dict[str, Any]:
    from vocalis.plugins.silero import SileroVAD

    vad = SileroVAD()
    await measure_load(memory, "silero_vad", vad.prewarm)
    start = time.perf_counter()
    for i in range(0, len(speech), 320):  # 20 ms frames, as from a transport
        await vad.process_audio(speech[i : i + 320].tobytes())
    return {"vad_rtf": round((time.perf_counter() - start) / (len(speech) / 16000), 4)}


async def bench_stt(memory: dict[str, float], utterances: list[np.ndarray]) -> dict[str, Any]:
    from vocalis.plugins.whisper import WhisperSTT

    stt = WhisperSTT(interim_interval=None, silence_timeout=None, pause_decode_after=None)
    await measure_load(memory, "whisper_tiny.en_int8", stt.prewarm)
    start = time.perf_counter()
    for pcm in utterances:  # one decode per utterance: the raw cost of Whisper
        await stt.process_audio(pcm.tobytes())
        await stt.flush()
    figures: dict[str, Any] = {
        "stt_rtf": round((time.perf_counter() - start) / (sum(map(len, utterances)) / 16000), 4)
    }
    # End-of-turn delay as a session sees it: audio arrives in real time, the VAD flushes after
    # 0.4 s of silence; time from that flush to the FINAL, with and without the pause decode.
    for name, pause in (("stt_final_ms", 0.2), ("stt_final_ms_without_pause_decode", None)):
        live = WhisperSTT(silence_timeout=None, pause_decode_after=pause)
        delays = []
        for pcm in utterances:
            audio = np.concatenate([pcm, np.zeros(6400, dtype="<i2")])
            for i in range(0, len(audio), 320):
                await live.process_audio(audio[i : i + 320].tobytes())
                await asyncio.sleep(0.02)
            begin = time.perf_counter()
            await live.flush()
            delays.append(time.perf_counter() - begin)
        figures[name] = round(1000 * float(np.mean(delays)), 1)
        await live.aclose()
    await stt.aclose()
    return figures


async def bench_denoise(memory: dict[str, float], speech48k: np.ndarray) -> dict[str, Any]:
    from vocalis.plugins.deepfilternet import DeepFilterNoiseSuppressor

    dn = DeepFilterNoiseSuppressor()
    await measure_load(memory, "deepfilternet3", dn.prewarm)
    noisy = speech48k + np.random.default_rng(0).normal(0, 1000, len(speech48k))
    noisy = np.clip(noisy, -32768, 32767).astype("<i2")
    start = time.perf_counter()
    for i in range(0, len(noisy), 960):
        await dn.denoise(noisy[i : i + 960].tobytes())
    elapsed = time.perf_counter() - start
    await dn.aclose()
    return {"denoise_rtf": round(elapsed / (len(noisy) / 48000), 4)}


def bench_turn_detector(memory: dict[str, float]) -> float | None:
    if importlib.util.find_spec("vocalis.plugins.turn_detector") is None:
        return None
    try:
        from vocalis.plugins.turn_detector import TurnDetector
    except ImportError:
        return None
    before = rss_mb()
    detector = TurnDetector()
    detector.probability("warm up")
    memory["turn_detector"] = round(rss_mb() - before, 1)
    texts = [s.lower().rstrip(".?") for s in SENTENCES] * 25
    start = time.perf_counter()
    for text in texts:
        detector.probability(text)
    return round(1000 * (time.perf_counter() - start) / len(texts), 3)


async def main() -> dict[str, Any]:
    memory: dict[str, float] = {}
    result: dict[str, Any] = {}
    tts_figures, clips, rate = await bench_tts(memory)
    utterances = [resample(c, rate, 16000) for c in clips]
    gap = np.zeros(16000, dtype="<i2")
    speech16k = np.concatenate([part for u in utterances for part in (gap, u)] + [gap])
    result.update(await bench_vad(memory, speech16k))
    result.update(await bench_stt(memory, utterances))
    result.update(tts_figures)
    speech48k = np.concatenate([resample(c, rate, 48000) for c in clips])
    result.update(await bench_denoise(memory, speech48k))
    result["turn_detector_ms"] = bench_turn_detector(memory)
    result["model_memory_mb"] = memory
    result["audio_seconds"] = round(len(speech16k) / 16000, 2)
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
