"""Voicemail detection on a set of answering-machine greetings and live answers built here.

The set: greetings and live answers spoken by Piper (three speaking rates), sent through a phone
line (line noise, G.711 mu-law, 8 kHz). Most greetings end with a beep of a different pitch and
length each (350 Hz to 2 kHz, 0.12 to 1 s); some have none, as some machines do. Live answers
sometimes have a second speaker or background music-like tones under them.

Figures (one JSON line each):
- ``beep``: recall on beeped greetings, false beeps on everything else, how long after the tone
  ends the beep is reported (p50/p95 ms), and the CPU cost per second of audio.
- ``decision``: for the whole voicemail decision (a beep, else the LLM's verdict on the first
  words), accuracy and time from the callee's first sound to the decision. Needs an LLM: pass
  ``--llm-url`` (any OpenAI-compatible server) and ``--llm-model``; without one only the beep
  path is measured and the line says so.

Run: ``python benchmarks/voicemail.py [--llm-url http://localhost:11434/v1 --llm-model M]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import numpy as np

from vocalis.audio import resample_pcm
from vocalis.telephony.beep import BeepDetector
from vocalis.transports.telephony import mulaw

RATE = 8000
GREETINGS = (
    "Hi, you've reached Sam. I can't take your call right now, please leave a message.",
    "Hello, this is Maria. Leave your name and number after the tone and I'll call you back.",
    "You have reached the voicemail of Doctor Patel's office. Our hours are nine to five.",
    "The person you are calling is not available. Please record your message after the tone.",
    "Hey, it's Jordan. Text me instead, or leave a message.",
    "Thank you for calling Bright Dental. We are closed. Please leave a message.",
    "Hi, you've got Alex and Kim. We're out, you know what to do.",
    "Please leave a message for extension two four one.",
)
ANSWERS = (
    "Hello?",
    "Hi, this is Sarah speaking.",
    "Yeah, hello, who's this?",
    "Good morning, Doctor Patel's office, how can I help you?",
    "Hello, hello? I can't hear you.",
    "Speaking. What's this about?",
    "Hi, sorry, I'm driving, can you call back later?",
    "Bright Dental, this is Tom.",
)
SPEEDS = (0.85, 1.0, 1.15)


async def synthesize() -> dict[tuple[str, float], np.ndarray]:
    from vocalis.plugins.piper import PiperTTS

    out = {}
    for speed in SPEEDS:
        tts = PiperTTS(length_scale=speed, noise_scale=0.0, noise_w_scale=0.0)
        for text in GREETINGS + ANSWERS:
            pcm = b"".join([c async for c in tts.stream_synthesize(text)])
            out[(text, speed)] = np.frombuffer(resample_pcm(pcm, tts.sample_rate, RATE),
                                               "<i2").astype(np.float64)
    return out


def tone(freq: float, seconds: float, level: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return np.sin(2 * np.pi * freq * t) * level


def build_cases(speech: dict[tuple[str, float], np.ndarray]) -> list[dict]:
    rng = np.random.default_rng(2026)
    cases = []
    for (text, speed), audio in speech.items():
        lead = np.zeros(int(rng.uniform(0.2, 0.8) * RATE))
        machine = text in GREETINGS
        beep_end = None
        parts = [lead, audio]
        if machine and rng.random() < 0.8:
            gap = np.zeros(int(rng.uniform(0.2, 0.8) * RATE))
            beep = tone(rng.uniform(350, 2000), rng.uniform(0.12, 1.0), rng.uniform(3000, 12000))
            parts += [gap, beep]
            beep_end = sum(len(p) for p in parts) / RATE
        if not machine and rng.random() < 0.3:  # a chime or a melody in the room
            under = np.zeros(len(audio))
            start = rng.integers(0, max(1, len(audio) - RATE // 10))
            chime = tone(rng.uniform(500, 1500), 0.08, 1500)
            under[start:start + len(chime)] = chime[: len(under) - start]
            parts[1] = audio + under
        parts.append(np.zeros(RATE))
        signal = np.concatenate(parts) + rng.standard_normal(sum(map(len, parts))) * 120
        pcm = np.clip(signal, -32768, 32767).astype("<i2").tobytes()
        cases.append({"text": text, "speed": speed, "machine": machine, "beep_end": beep_end,
                      "speech_start": len(lead) / RATE, "pcm": mulaw.decode(mulaw.encode(pcm))})
    return cases


def run_beeps(cases: list[dict]) -> dict:
    delays, found, missed, false = [], 0, 0, 0
    cpu = 0.0
    audio_seconds = 0.0
    for case in cases:
        detector = BeepDetector()
        pcm = case["pcm"]
        start = time.process_time()
        beeps = [b for i in range(0, len(pcm), 320) for b in detector.push(pcm[i:i + 320], RATE)]
        cpu += time.process_time() - start
        audio_seconds += len(pcm) / 2 / RATE
        case["beep_at"] = beeps[0].ended_at + 0.02 if beeps else None
        if case["beep_end"] is None:
            false += len(beeps)
        elif beeps:
            found += 1
            delays.append((case["beep_at"] - case["beep_end"]) * 1000)
        else:
            missed += 1
    beeped = found + missed
    q = statistics.quantiles(delays, n=20) if len(delays) > 1 else [0.0] * 19
    return {"figure": "beep", "beeped_greetings": beeped, "recall": round(found / beeped, 3),
            "false_beeps": false, "cases_without_beep": len(cases) - beeped,
            "delay_after_tone_ms_p50": round(statistics.median(delays), 1),
            "delay_after_tone_ms_p95": round(q[18], 1),
            "cpu_ms_per_audio_second": round(cpu / audio_seconds * 1000, 3)}


async def run_decisions(cases: list[dict], llm_url: str, model: str, duration: float) -> dict:
    """The full decision: a beep if one came first, else Whisper on the first words plus the
    LLM classifier (``VoiceMailDetector.detect``) after ``duration`` seconds."""
    import soxr

    from vocalis import VoiceMailDetector
    from vocalis.plugins.openai import OpenAILLM
    from vocalis.plugins.whisper import transcribe

    detector = VoiceMailDetector(OpenAILLM(model=model, base_url=llm_url), callback=lambda: None,
                                 duration=duration)
    correct, times = 0, []
    for case in cases:
        first = case["speech_start"]
        heard = np.frombuffer(case["pcm"], "<i2")[int(first * RATE):int((first + duration) * RATE)]
        start = time.perf_counter()
        audio = soxr.resample(heard.astype(np.float32) / 32768, RATE, 16000)
        text = (await asyncio.to_thread(transcribe, audio, beam_size=1)).text
        verdict = await detector.detect(text)
        llm_time = time.perf_counter() - start + duration
        beep_time = case["beep_at"] - first if case["beep_at"] is not None else None
        if beep_time is not None and beep_time < llm_time:
            verdict, spent = True, beep_time
        else:
            spent = llm_time
        correct += verdict == case["machine"]
        times.append(spent * 1000)
    return {"figure": "decision", "cases": len(cases), "accuracy": round(correct / len(cases), 3),
            "time_to_decision_ms_p50": round(statistics.median(times)),
            "time_to_decision_ms_max": round(max(times)), "llm": model, "duration_s": duration}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llm-url", default=None)
    parser.add_argument("--llm-model", default="gpt-4o-mini")
    parser.add_argument("--duration", type=float, default=2.0)
    args = parser.parse_args()
    cases = build_cases(asyncio.run(synthesize()))
    print(json.dumps(run_beeps(cases)))
    if args.llm_url:
        print(json.dumps(asyncio.run(run_decisions(cases, args.llm_url, args.llm_model,
                                                   args.duration))))
    else:
        print(json.dumps({"figure": "decision", "skipped": "no LLM: pass --llm-url and "
                          "--llm-model to measure the classifier path"}))


if __name__ == "__main__":
    main()
