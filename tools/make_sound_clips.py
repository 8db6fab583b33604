"""Make the royalty-free sound clips Vocalis bundles (``src/vocalis/audio/resources``).

Every clip is synthesized here from numbers (no recordings, no samples), so the project owns
them outright: a keyboard-typing loop for thinking, quiet office ambience for background, and a
calm hold-music loop for transfers. Encoded as Ogg/Opus with PyAV. Run it again after changing
a recipe: ``python tools/make_sound_clips.py``.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

RATE = 48000
OUT = Path(__file__).resolve().parents[1] / "src" / "vocalis" / "audio" / "resources"


def keyboard(seconds: float = 8.0, seed: int = 3) -> np.ndarray:
    """Bursts of key clicks (a short noise transient through a resonant body) with pauses."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * RATE))
    click = int(0.018 * RATE)
    env = np.exp(-np.linspace(0, 9, click))
    t = np.arange(click) / RATE
    pos = int(0.1 * RATE)
    while pos + click < len(out):
        burst = rng.integers(3, 9)
        for _ in range(burst):
            if pos + click >= len(out):
                break
            body = np.sin(2 * np.pi * rng.uniform(1500, 2600) * t) * 0.4
            body += rng.standard_normal(click) * 0.6
            out[pos:pos + click] += body * env * rng.uniform(0.4, 1.0)
            pos += int(rng.uniform(0.08, 0.2) * RATE)
        pos += int(rng.uniform(0.4, 1.1) * RATE)
    return _fade_loop(out / np.abs(out).max() * 0.5)


def office(seconds: float = 12.0, seed: int = 5) -> np.ndarray:
    """Low room tone (filtered noise), a ventilation hum and faint, unintelligible murmur."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    noise = np.cumsum(rng.standard_normal(n))
    noise -= np.convolve(noise, np.ones(4800) / 4800, mode="same")
    t = np.arange(n) / RATE
    hum = 0.15 * np.sin(2 * np.pi * 100 * t) + 0.05 * np.sin(2 * np.pi * 200 * t)
    murmur = np.zeros(n)
    for _ in range(14):
        start, length = rng.integers(0, n - RATE), int(rng.uniform(0.6, 1.6) * RATE)
        seg = np.arange(min(length, n - start)) / RATE
        pitch = rng.uniform(110, 220) * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(2, 5) * seg))
        voice = np.sin(2 * np.pi * np.cumsum(pitch) / RATE) * (0.5 + 0.5 * np.sin(np.pi * seg / seg[-1]))
        murmur[start:start + len(seg)] += voice * 0.12
    mix = noise / np.abs(noise).max() * 0.6 + hum + np.convolve(murmur, np.ones(60) / 60, "same")
    return _fade_loop(mix / np.abs(mix).max() * 0.35)


def hold_music(seconds: float = 16.0) -> np.ndarray:
    """A slow I-vi-IV-V progression on soft electric-piano tones, with a gentle melody."""
    t_beat = 0.5
    chords = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]
    melody = [72, 71, 69, 67, 69, 71, 72, 74, 76, 74, 72, 71, 69, 67, 65, 67]
    out = np.zeros(int(seconds * RATE))

    def note(midi: int, start: float, length: float, level: float) -> None:
        freq = 440.0 * 2 ** ((midi - 69) / 12)
        n = int(length * RATE)
        t = np.arange(n) / RATE
        tone = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t) * np.exp(-3 * t)
        env = np.minimum(1, t / 0.02) * np.exp(-1.6 * t)
        i = int(start * RATE)
        out[i:i + n] += (tone * env * level)[: len(out) - i]

    for bar in range(int(seconds / (4 * t_beat))):
        for k, midi in enumerate(chords[bar % 4]):
            note(midi - 12 * (k == 0), bar * 4 * t_beat, 4 * t_beat, 0.22)
        for beat in range(4):
            note(melody[(bar * 4 + beat) % len(melody)], (bar * 4 + beat) * t_beat, t_beat * 1.5,
                 0.18)
    return _fade_loop(out / np.abs(out).max() * 0.6)


def _fade_loop(audio: np.ndarray, seconds: float = 0.05) -> np.ndarray:
    n = int(seconds * RATE)
    ramp = np.linspace(0, 1, n)
    audio[:n] *= ramp
    audio[-n:] *= ramp[::-1]
    return audio


def write_ogg(path: Path, audio: np.ndarray) -> None:
    with av.open(str(path), "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=RATE)
        stream.layout = "mono"
        stream.bit_rate = 32000
        samples = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        frame_len = 960
        for i in range(0, len(samples) - frame_len + 1, frame_len):
            frame = av.AudioFrame.from_ndarray(samples[i:i + frame_len].reshape(1, -1),
                                               format="s16", layout="mono")
            frame.sample_rate = RATE
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, audio in (("agent-keyboard.ogg", keyboard()), ("office-noise.ogg", office()),
                        ("hold-music.ogg", hold_music())):
        write_ogg(OUT / name, audio)


if __name__ == "__main__":
    main()
