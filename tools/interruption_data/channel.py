"""How a caller's voice reaches the detector: level, room noise, the line's codec, resampling.

``render`` places a clean utterance after a lead-in of noise, mixes babble or street noise at
a given SNR, passes it through one of the transport paths (8 kHz mu-law, 16 kHz PCM, 48 kHz
PCM, 48 kHz Opus through PyAV) and resamples it to 16 kHz with the project's streaming
resampler, 20 ms at a time, as the detector's stream does.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np
import soxr

from vocalis.audio import StreamResampler
from vocalis.transports.telephony import mulaw

CHANNELS = {"mulaw8k": 8000, "pcm16k": 16000, "pcm48k": 48000, "opus48k": 48000}
SNRS = (None, 20, 10)
DETECTOR_RATE = 16000


@dataclass(frozen=True)
class Rendered:
    """An utterance as the detector receives it: int16 16 kHz, with its voiced span (samples)."""

    audio: np.ndarray
    onset: int
    end: int


def voiced_span(audio: np.ndarray, rate: int, floor_db: float = -35.0) -> tuple[int, int]:
    """First and last sample of the 10 ms frames within ``floor_db`` of the loudest frame."""
    hop = rate // 100
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    level = 20 * np.log10(np.sqrt((frames.astype(np.float64) ** 2).mean(axis=1)) + 1e-9)
    loud = np.flatnonzero(level > level.max() + floor_db)
    return int(loud[0] * hop), int((loud[-1] + 1) * hop)


def babble_pool(clips: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """Sentences reversed and joined at 16 kHz: the raw material of babble noise."""
    parts = [soxr.resample(a[::-1], r, DETECTOR_RATE) for a, r in clips]
    return np.concatenate(parts).astype(np.float32)


def make_noise(kind: str, n: int, rate: int, rng: np.random.Generator, pool: np.ndarray) -> np.ndarray:
    """``n`` samples of "babble" (five reversed talkers) or "street" (brown and pink noise, swelling)."""
    if kind == "babble":
        need = int(n * DETECTOR_RATE / rate) + 1
        mix = np.zeros(need)
        for _ in range(5):
            start = int(rng.integers(0, max(1, len(pool) - need)))
            seg = pool[start : start + need]
            mix[: len(seg)] += seg * rng.uniform(0.5, 1.0)
        noise = soxr.resample(mix, DETECTOR_RATE, rate)[:n] if rate != DETECTOR_RATE else mix[:n]
    else:
        white = rng.standard_normal(n)
        brown = np.cumsum(white)
        sums = np.cumsum(np.pad(brown, (2000, 2000), mode="edge"))
        brown -= (sums[4000:] - sums[:-4000]) / 4000  # remove the drift: a 4000-sample mean
        spectrum = np.fft.rfft(rng.standard_normal(n))
        spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
        pink = np.fft.irfft(spectrum, n)
        swell = 1 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * np.arange(n) / rate + rng.uniform(0, 6))
        noise = (brown / (brown.std() + 1e-9) + pink / (pink.std() + 1e-9)) * swell
    noise = np.pad(noise, (0, max(0, n - len(noise))))
    return noise / (np.sqrt(np.mean(noise**2)) + 1e-12)


def opus_round_trip(pcm: np.ndarray, bitrate: int = 24000) -> np.ndarray:
    """int16 48 kHz mono through libopus (20 ms frames) and back, as WebRTC carries it."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate, encoder.layout, encoder.format, encoder.bit_rate = 48000, "mono", "s16", bitrate
    encoder.open()
    decoder = av.CodecContext.create("libopus", "r")
    decoder.sample_rate, decoder.layout = 48000, "mono"
    decoder.open()
    out: list[np.ndarray] = []
    padded = np.pad(pcm, (0, -len(pcm) % 960))
    for i, start in enumerate(range(0, len(padded) + 960, 960)):
        chunk = padded[start : start + 960]
        frame = None
        if len(chunk):
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate, frame.pts = 48000, i * 960
        for packet in encoder.encode(frame):
            for decoded in decoder.decode(packet):
                out.append(decoded.to_ndarray().reshape(-1))
    audio = np.concatenate(out)
    if audio.dtype != np.int16:
        audio = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
    skip = 312  # Opus encoder lookahead at 48 kHz: realign with the input
    return audio[skip : skip + len(pcm)]


def through_line(pcm: np.ndarray, channel: str) -> np.ndarray:
    """int16 audio at the channel's rate after its codec."""
    if channel == "mulaw8k":
        return np.frombuffer(mulaw.decode(mulaw.encode(pcm.astype("<i2").tobytes())), dtype="<i2")
    if channel == "opus48k":
        return opus_round_trip(pcm)
    return pcm


def to_detector_rate(pcm: np.ndarray, rate: int) -> np.ndarray:
    """int16 at ``rate`` -> int16 16 kHz, pushed through one StreamResampler 20 ms at a time."""
    resampler = StreamResampler(rate, DETECTOR_RATE)
    step = rate // 50
    out = [resampler.push(pcm[i : i + step].tobytes()) for i in range(0, len(pcm), step)]
    out.append(resampler.flush())
    return np.frombuffer(b"".join(out), dtype="<i2")


@dataclass(frozen=True)
class LineAudio:
    """An utterance as the transport delivers it: int16 at the line's rate, voiced span in samples."""

    audio: np.ndarray
    rate: int
    onset: int
    end: int


def on_line(
    speech: np.ndarray,
    rate: int,
    *,
    channel: str,
    snr: float | None,
    noise_kind: str,
    rng: np.random.Generator,
    pool: np.ndarray,
    lead: float = 1.0,
    tail: float = 1.6,
    level_dbfs: float = -20.0,
) -> LineAudio:
    """``speech`` (float, native ``rate``) after ``lead`` seconds of noise, through ``channel``."""
    line_rate = CHANNELS[channel]
    voice = soxr.resample(speech, rate, line_rate, quality="HQ") if rate != line_rate else speech
    onset, end = voiced_span(voice, line_rate)
    active = voice[onset:end]
    voice = voice * (10 ** (level_dbfs / 20) / (np.sqrt(np.mean(active**2)) + 1e-12))
    lead_n = int(lead * line_rate)
    total = lead_n + len(voice) + int(tail * line_rate)
    mixed = np.zeros(total)
    mixed[lead_n : lead_n + len(voice)] = voice
    if snr is not None:
        speech_rms = 10 ** (level_dbfs / 20)
        mixed += make_noise(noise_kind, total, line_rate, rng, pool) * speech_rms / 10 ** (snr / 20)
    pcm = (np.clip(mixed, -1, 1) * 32767).astype(np.int16)
    return LineAudio(through_line(pcm, channel), line_rate, lead_n + onset, lead_n + end)


def render(speech: np.ndarray, rate: int, **line: object) -> Rendered:
    """``on_line`` and then resampled to 16 kHz as the detector's stream does."""
    heard = on_line(speech, rate, **line)  # type: ignore[arg-type]
    scale = DETECTOR_RATE / heard.rate
    audio = to_detector_rate(heard.audio, heard.rate)
    return Rendered(audio, round(heard.onset * scale), round(heard.end * scale))
