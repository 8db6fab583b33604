"""UtteranceAudioSink: a synthesized reply starts with the voice, within a bounded trim."""

import numpy as np

from vocalis.audio import leading_quiet_samples
from vocalis.pipeline.speaking.audio_sink import UtteranceAudioSink

RATE = 16000


class RecordingTrack:
    sample_rate = RATE

    def __init__(self):
        self.pcm = b""

    def add_new_bytes(self, pcm: bytes) -> None:
        self.pcm += pcm


def samples(ms: float) -> int:
    return int(RATE * ms / 1000)


def reply(quiet_ms: float, voice_ms: float = 100) -> bytes:
    """``quiet_ms`` of faint hiss (about -70 dBFS), then a loud tone."""
    rng = np.random.default_rng(0)
    hiss = rng.integers(-8, 9, samples(quiet_ms))
    t = np.arange(samples(voice_ms)) / RATE
    tone = (8000 * np.sin(2 * np.pi * 220 * t)).astype(np.int64)
    tone[0] = 8000  # the voice starts on its first sample
    return np.concatenate([hiss, tone]).astype("<i2").tobytes()


async def push_in_pieces(sink, pcm: bytes, piece_ms: float = 10) -> None:
    step = samples(piece_ms) * 2
    for start in range(0, len(pcm), step):
        await sink.add_new_bytes(pcm[start : start + step])
    await sink.drain()


def onset(pcm: bytes) -> int:
    return leading_quiet_samples(pcm, -55.0)


async def test_leading_quiet_is_trimmed_to_a_short_pad_across_pieces():
    track = RecordingTrack()
    firsts = []
    sink = UtteranceAudioSink(track, RATE, on_first_audio=firsts.append, max_leading_trim_ms=150)
    await push_in_pieces(sink, reply(quiet_ms=55))
    assert onset(track.pcm) == samples(5)
    assert len(track.pcm) // 2 == samples(5) + samples(100)
    assert sink.pushed_samples == len(track.pcm) // 2
    assert len(firsts) == 1


async def test_trim_is_bounded_and_the_rest_plays():
    track = RecordingTrack()
    sink = UtteranceAudioSink(track, RATE, max_leading_trim_ms=150)
    await push_in_pieces(sink, reply(quiet_ms=400))
    assert onset(track.pcm) == samples(400) - samples(150)


async def test_quiet_after_the_voice_starts_is_kept():
    track = RecordingTrack()
    sink = UtteranceAudioSink(track, RATE, max_leading_trim_ms=150)
    pcm = reply(quiet_ms=0, voice_ms=40) + reply(quiet_ms=60)
    await push_in_pieces(sink, pcm)
    assert track.pcm == pcm


async def test_without_a_trim_budget_audio_plays_as_given():
    track = RecordingTrack()
    sink = UtteranceAudioSink(track, RATE)
    pcm = reply(quiet_ms=55)
    await push_in_pieces(sink, pcm)
    assert track.pcm == pcm


def test_leading_quiet_samples_counts_up_to_the_first_loud_sample():
    quiet = np.zeros(30, dtype="<i2")
    loud = np.full(5, 1000, dtype="<i2")
    assert leading_quiet_samples(np.concatenate([quiet, loud]).tobytes(), -55.0) == 30
    assert leading_quiet_samples(quiet.tobytes(), -55.0) == 30
    assert leading_quiet_samples(b"", -55.0) == 0
