"""Whisper tiny.en decode settings: word error rate and cost on real speech, and batching.

Speech: the sentences below spoken by Piper (two speaking rates) and espeak-ng (four accents,
two rates), each heard two ways: 16 kHz PCM, and 8 kHz mu-law (a phone line) upsampled to
16 kHz. Every utterance is framed as ``WhisperSTT`` sees it at a pause: 0.3 s before the speech,
0.2 s after. Prints one JSON line per decode setting (WER per path, mean decode ms), then one
per throughput setting (decodes per second with batches and worker threads on this machine).

Settings: ``faster-whisper beam 5`` is the plugin's old final decode (``WhisperModel.
transcribe``, beam 5, temperature fallback, word timestamps); the ``decoder`` rows are
``vocalis.plugins.whisper.decoder.WhisperDecoder`` (one pass, no fallback), with Whisper's
30-second encoder window (``full``) or one fitted to the utterance (``fitted``), whose decoder
reads 30, 10 (the default) or 6 seconds of encoded audio (``context``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import tempfile
import threading
import time
import wave

import numpy as np

from vocalis.audio import resample_pcm
from vocalis.transports.telephony import mulaw

SENTENCES = [
    "What is the weather like in Paris today?",
    "Can you book a table for two people at seven?",
    "I would like to order a large pizza with mushrooms.",
    "Please remind me to call my sister tomorrow morning.",
    "How far is the train station from the hotel?",
    "Do you open on Sundays?",
    "Wait, stop, I have a different question.",
    "My flight was cancelled and I need a new ticket.",
    "Could you read my last note back to me?",
    "The problem is that I cannot log in to my account.",
    "Is there parking available near the restaurant?",
    "Thank you, that is all for now.",
]
ESPEAK_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-029"]
RATE = 16000


def normalize(text: str) -> list[str]:
    return "".join(c if c.isalnum() or c in "' " else " " for c in text.lower()).split()


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = normalize(reference), normalize(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1] / max(1, len(ref))


async def piper_speech(length_scale: float) -> list[bytes]:
    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0, length_scale=length_scale)
    out = []
    for text in SENTENCES:
        pcm = b"".join([c async for c in tts.stream_synthesize(text)])
        out.append(resample_pcm(pcm, tts.sample_rate, RATE))
    return out


def espeak_speech(voice: str, words_per_minute: int) -> list[bytes]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for text in SENTENCES:
            path = os.path.join(tmp, "s.wav")
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", path,
                            text], check=True)
            with wave.open(path) as w:
                pcm, rate = w.readframes(w.getnframes()), w.getframerate()
            out.append(resample_pcm(pcm, rate, RATE))
    return out


def corpus() -> list[tuple[str, str, bytes]]:
    """(voice, sentence, 16 kHz PCM) for every voice and sentence."""
    items = []
    for scale in (1.0, 1.3):
        for text, pcm in zip(SENTENCES, asyncio.run(piper_speech(scale)), strict=True):
            items.append((f"piper-joe x{scale}", text, pcm))
    for voice in ESPEAK_VOICES:
        for wpm in (150, 185):
            for text, pcm in zip(SENTENCES, espeak_speech(voice, wpm), strict=True):
                items.append((f"espeak {voice} {wpm}", text, pcm))
    return items


def as_heard(pcm: bytes, path: str) -> np.ndarray:
    """The utterance as the STT buffer holds it at a pause, through ``path``'s codec."""
    if path == "8k-mulaw":
        pcm = resample_pcm(mulaw.decode(mulaw.encode(resample_pcm(pcm, RATE, 8000))), 8000, RATE)
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    return np.concatenate([np.zeros(int(0.3 * RATE), np.float32), samples,
                           np.zeros(int(0.2 * RATE), np.float32)])


def decode_settings(model):
    from vocalis.plugins.whisper.decoder import DecodeOptions, WhisperDecoder

    def faster_whisper(beam: int):
        def run(audio: np.ndarray) -> str:
            segments, _ = model.transcribe(
                audio, language="en", beam_size=beam, word_timestamps=True,
                without_timestamps=False, condition_on_previous_text=False, vad_filter=False,
            )
            return " ".join(s.text.strip() for s in segments)
        return run

    def decoder(fitted: bool, beam: int, words: bool, context: float = 10.0):
        dec = WhisperDecoder(model, fitted_window=fitted, context=context)
        opts = DecodeOptions(beam_size=beam, word_timestamps=words)
        return lambda audio: dec.decode([audio], opts)[0].text

    return {
        "faster-whisper beam 5 (old final)": faster_whisper(5),
        "decoder full window, beam 5": decoder(False, 5, True),
        "decoder full window, greedy": decoder(False, 1, True),
        "decoder fitted window, 30 s context, beam 5": decoder(True, 5, True, 30.0),
        "decoder fitted window, 30 s context, greedy": decoder(True, 1, True, 30.0),
        "decoder fitted window, 10 s context, beam 5": decoder(True, 5, True),
        "decoder fitted window, 10 s context, greedy": decoder(True, 1, True),
        "decoder fitted window, 6 s context, beam 5": decoder(True, 5, True, 6.0),
    }


def measure_accuracy(model, items, paths: list[str]) -> None:
    heard = {p: [as_heard(pcm, p) for _, _, pcm in items] for p in paths}
    for name, run in decode_settings(model).items():
        row: dict[str, object] = {"setting": name}
        times = []
        cpu = time.process_time()
        for path in paths:
            errors = []
            for (_, text, _), audio in zip(items, heard[path], strict=True):
                start = time.perf_counter()
                hypothesis = run(audio)
                times.append(time.perf_counter() - start)
                errors.append(wer(text, hypothesis))
            row[f"wer_{path}"] = round(float(np.mean(errors)), 4)
        row["cpu_ms_mean"] = round(1000 * (time.process_time() - cpu) / len(times), 1)
        row["decode_ms_mean"] = round(1000 * float(np.mean(times)), 1)
        row["decode_ms_p50"] = round(1000 * float(np.median(times)), 1)
        row["utterances"] = len(items)
        print(json.dumps(row), flush=True)


def decode_for(decoder, audios: list[np.ndarray], batch: int, stride: int, offset: int,
               stop: float, counter: list[int], lock: threading.Lock) -> None:
    """Decode batches from ``audios`` until ``stop``; count the decodes in ``counter``."""
    from vocalis.plugins.whisper.decoder import DecodeOptions

    opts = DecodeOptions(beam_size=1, word_timestamps=True)
    i = offset
    while time.perf_counter() < stop:
        decoder.decode([audios[(i + k) % len(audios)] for k in range(batch)], opts)
        i += stride
        with lock:
            counter[0] += batch


def measure_throughput(items, seconds: float) -> None:
    from vocalis.plugins.whisper.decoder import DecodeOptions, WhisperDecoder
    from vocalis.plugins.whisper.model import load_model

    audios = [as_heard(pcm, "16k") for _, _, pcm in items]
    cores = os.cpu_count() or 1
    for fitted in (False, True):
        for workers, threads, batch in [(1, cores, 1), (1, cores, 2), (1, cores, 4),
                                        (cores, 1, 1), (cores, 1, 2)]:
            decoder = WhisperDecoder(load_model("tiny.en", "cpu", "int8", threads, workers),
                                     fitted_window=fitted)
            decoder.decode(audios[:batch], DecodeOptions())  # warm up
            counter, lock = [0], threading.Lock()
            cpu, stop = time.process_time(), time.perf_counter() + seconds
            pool = [threading.Thread(target=decode_for, args=(
                decoder, audios, batch, batch * workers, w * batch, stop, counter, lock))
                for w in range(workers)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            print(json.dumps({
                "throughput": f"{workers} worker(s) x {threads} thread(s), batch {batch}",
                "window": "fitted" if fitted else "full",
                "decodes_per_s": round(counter[0] / seconds, 2),
                "cpu_ms_per_decode": round(1000 * (time.process_time() - cpu) / counter[0]),
                "load_avg": os.getloadavg()[0],
            }), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", default="16k,8k-mulaw")
    parser.add_argument("--limit", type=int, default=0, help="use only this many utterances")
    parser.add_argument("--throughput-seconds", type=float, default=15.0)
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    from vocalis.plugins.whisper.model import load_model

    items = corpus()
    if args.limit:
        items = items[:: max(1, len(items) // args.limit)][: args.limit]
    if not args.skip_accuracy:
        cores = os.cpu_count() or 1
        measure_accuracy(load_model("tiny.en", "cpu", "int8", cores, 1), items,
                         args.paths.split(","))
    if args.throughput_seconds > 0:
        measure_throughput(items, args.throughput_seconds)
    print(json.dumps({"load_avg_1m": os.getloadavg()[0], "cores": os.cpu_count()}))


if __name__ == "__main__":
    main()
