"""End-to-end latency of a fully local turn, measured as the user feels it.

Real synthesized speech (Piper) is played into a session running the example assistant's
pipeline (``examples/assistant.py``'s ``build_pipeline``: Silero VAD, Whisper tiny.en, the turn
detector, the interruption classifier, Piper TTS, with its tuned settings), with an LLM that
answers instantly. Each turn's latency runs from the end of the user's voiced audio (as the VAD
places it) to the first audible agent frame handed to the output track. Runs in real time.
Prints one JSON object. ``--vad-silence`` tries another VAD silence window.
"""

from __future__ import annotations

import argparse
import asyncio
import json

import numpy as np

from vocalis import Agent, AgentSession
from vocalis.audio import OutputTrack, resample_pcm
from vocalis.metrics import percentile
from vocalis.testing import FakeLLM, FakeResponse
from vocalis.testing.loopback import LoopbackOutput
from vocalis.utils import now

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
    "Thank you, that is all.",
    "Is parking available nearby?",
    "Can I change my reservation?",
]
INPUT_RATE = 16000
GAP_SECONDS = 3.0


class Assistant(Agent):
    def __init__(self) -> None:
        super().__init__(instructions="Answer briefly.")


async def synthesize_questions(count: int) -> list[bytes]:
    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    clips = []
    for text in (QUESTIONS * 2)[:count]:
        pcm = b"".join([chunk async for chunk in tts.stream_synthesize(text)])
        clips.append(resample_pcm(pcm, tts.sample_rate, INPUT_RATE))
    return clips


def timeline(clips: list[bytes]) -> bytes:
    """One second of silence, then each question followed by a pause for the answer."""
    gap = np.zeros(int(GAP_SECONDS * INPUT_RATE), dtype=np.int16).tobytes()
    lead = np.zeros(INPUT_RATE, dtype=np.int16).tobytes()
    return lead + b"".join(clip + gap for clip in clips)


async def feed(session: AgentSession, pcm: bytes) -> None:
    frame = INPUT_RATE * 2 // 50
    start = now()
    for i in range(0, len(pcm), frame):
        delay = start + (i // frame) * 0.02 - now()
        if delay > 0:
            await asyncio.sleep(delay)
        await session.push_audio(pcm[i : i + frame], INPUT_RATE)


async def measure(
    turns: int, llm_ttft: float = 0.0, vad_silence: float | None = None
) -> dict[str, object]:
    from quality.echo_agent import example_pipeline

    from vocalis.plugins.silero import SileroVAD

    clips = await synthesize_questions(turns)
    pipeline = example_pipeline(FakeLLM(default=FakeResponse("Sure.", ttft=llm_ttft)))
    if vad_silence is not None:
        await pipeline.change_component(vad=SileroVAD(min_silence_duration=vad_silence))
    track = OutputTrack()
    session = AgentSession(Assistant(), pipeline, output_track=track)
    await session.start()
    pcm = timeline(clips)
    seconds = len(pcm) / 2 / INPUT_RATE
    reader = asyncio.ensure_future(LoopbackOutput(track).run(seconds + 1.0))
    await feed(session, pcm)
    await reader
    await session.close()
    measured = [t for t in session.metrics.turns if t.e2e_latency_ms is not None]
    e2e = [t.e2e_latency_ms for t in measured]

    def p50(name: str) -> float | None:
        value = percentile([v for t in measured if (v := getattr(t, name)) is not None], 50)
        return None if value is None else round(value, 1)

    return {
        "turns": len(measured),
        "questions": turns,
        "llm_ttft_ms": llm_ttft * 1000,
        "preemptive_turns": sum(1 for t in measured if t.preemptive),
        "e2e_ms_p50": round(percentile(e2e, 50) or 0.0, 1),
        "e2e_ms_p95": round(percentile(e2e, 95) or 0.0, 1),
        "stt_final_delay_ms_p50": p50("stt_final_delay_ms"),
        "eou_delay_ms_p50": p50("eou_delay_ms"),
        "tts_ttfb_ms_p50": p50("tts_ttfb_ms"),
        "config": {
            "vad_min_silence_s": pipeline.vad.min_silence_duration,
            "eou_min_max_s": list(pipeline.eou_config.min_max_speech_wait_timeout),
            "whisper_pause_decode_after_s": pipeline.stt.pause_decode_after,
        },
        "transcripts": [t.user_text for t in measured],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument(
        "--llm-ttft", type=float, default=0.0, help="seconds the fake LLM takes (default 0)"
    )
    parser.add_argument("--vad-silence", type=float, default=None,
                        help="the VAD's silence window instead of the example's")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.turns, args.llm_ttft, args.vad_silence))))


if __name__ == "__main__":
    main()
