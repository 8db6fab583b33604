"""The turn detector on what Whisper actually gives it: half sentences cut by a pause, and whole
questions, decoded as the STT decodes them at a pause.

    python benchmarks/turn_detector_on_whisper.py                # all voices, paths, noise levels
    python benchmarks/turn_detector_on_whisper.py --voices piper-joe --snr clean

Speech: the first halves of the conversation benchmark's pause sentences (``PAUSE_SENTENCES``),
twenty more half sentences written for this benchmark, and the benchmark's questions, spoken by
its Piper and espeak-ng voices (``benchmarks/quality/speech.py``), clean or in pink noise, over
16 kHz PCM (``/ws``) and 8 kHz mu-law (``/twilio``), framed as ``WhisperSTT`` decodes at a pause
(0.3 s before the voice, 0.12 s after; beam 5, word times). Each transcript is scored raw and as
the STT pushes it (``Transcription.said_before``: without words placed after the voice ended).

Prints one JSON line per kind (question, benchmark half, other half) and text form: the share
the detector scores >= 0.7 (committed after the minimum wait: high for questions, low for
halves). Then a last line with the slowest decode and the time taken.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality.corpus import PAUSE_SENTENCES, QUESTIONS
from quality.speech import VOICES, noise_bed, synthesize, voice_named, voiced_span

from vocalis.audio import resample_pcm
from vocalis.llm.chat_context import ChatContext
from vocalis.llm.items import ChatRole
from vocalis.plugins.turn_detector import TurnDetector
from vocalis.plugins.whisper.decoder import DecodeOptions, WhisperDecoder
from vocalis.plugins.whisper.model import load_model
from vocalis.transports.telephony import mulaw

RATE = 16000
BEFORE, AFTER = 0.3, 0.12
OTHER_HALVES = (
    "Can I change my booking to", "I need to speak with someone about",
    "The package was supposed to arrive on", "Could you send me the details of",
    "My phone number is five five five", "I'd like to order a large pizza with",
    "What time does the train to", "I was wondering if you could", "The problem started when I",
    "Is it possible to move my appointment to", "My daughter has a doctor's appointment at",
    "We are flying from Boston to", "I need a room for two nights starting",
    "Can you check whether the store in", "I'd like to pay my bill with",
    "The total came to forty", "Please cancel the order I placed",
    "Do you have any tables available for", "I lost my card and I need",
    "How much would it cost to ship a parcel to",
)
"""Half sentences written for this benchmark (not in the conversation benchmark)."""
KINDS = {
    "question": QUESTIONS,
    "benchmark_half": tuple(first for first, _, _ in PAUSE_SENTENCES),
    "other_half": OTHER_HALVES,
}


def heard(text: str, voice: str, path: str, snr: float | None, seed: int) -> tuple[np.ndarray, float]:
    """16 kHz float audio as the STT gets it at a pause, and where the voice ends in it."""
    rate = 8000 if path == "twilio" else RATE
    speech = synthesize(voice_named(voice), text, rate)
    _, end = voiced_span(speech, rate)
    audio = np.concatenate([np.zeros(int(BEFORE * rate), np.float32),
                            speech[: int((end + AFTER) * rate)]])
    bed = noise_bed(snr, len(audio) / rate + 1, rate, seed=seed)
    if bed is not None:
        audio = audio + bed[: len(audio)]
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    if path == "twilio":
        pcm = resample_pcm(mulaw.decode(mulaw.encode(pcm)), 8000, RATE, quality="HQ")
    return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0, BEFORE + end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", default=",".join(v.name for v in VOICES))
    parser.add_argument("--paths", default="ws,twilio")
    parser.add_argument("--snr", default="clean,20,10", help="clean and/or dB SNR levels")
    args = parser.parse_args()
    started = time.perf_counter()
    decoder = WhisperDecoder(load_model("tiny.en", "cpu", "int8"))
    options = DecodeOptions(beam_size=5, word_timestamps=True)
    detector = TurnDetector()

    def finished(text: str) -> bool:
        ctx = ChatContext()
        ctx.add_message(ChatRole.USER, text)
        return detector.get_eou_probability(ctx) >= 0.7

    fast: dict[tuple[str, str, str], list[bool]] = {}
    slowest = 0.0
    for path in args.paths.split(","):
        for level in args.snr.split(","):
            snr = None if level == "clean" else float(level)
            condition = "clean" if snr is None else "noisy"
            for seed, voice in enumerate(args.voices.split(",")):
                for kind, texts in KINDS.items():
                    for text in texts:
                        audio, voiced_end = heard(text, voice, path, snr, seed)
                        t0 = time.perf_counter()
                        (raw,) = decoder.decode([audio], options)
                        slowest = max(slowest, time.perf_counter() - t0)
                        if not raw.text:
                            continue
                        pushed = raw.said_before(voiced_end)
                        for form, result in (("raw", raw), ("pushed", pushed)):
                            fast.setdefault((kind, form, condition), []).append(
                                finished(result.text))
    for (kind, form, condition), values in sorted(fast.items()):
        print(json.dumps({"benchmark": "turn_detector_on_whisper", "kind": kind, "text": form,
                          "condition": condition, "n": len(values),
                          "scored_finished": round(float(np.mean(values)), 3)}))
    print(json.dumps({"benchmark": "turn_detector_on_whisper", "slowest_decode_ms":
                      round(slowest * 1000, 1), "seconds": round(time.perf_counter() - started)}))


if __name__ == "__main__":
    main()
