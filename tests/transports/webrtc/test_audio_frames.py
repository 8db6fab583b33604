"""Audio conversion at the WebRTC edge: browser frames to mono PCM, agent frames to aiortc."""

from __future__ import annotations

import asyncio
import fractions

import av
import numpy as np
import pytest

from vocalis.audio import AudioFrame, OutputTrack
from vocalis.transports.webrtc import AgentAudioTrack, frame_to_mono_pcm


def _frame(samples: np.ndarray, fmt: str, layout: str, rate: int = 48000) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(samples, format=fmt, layout=layout)
    frame.sample_rate = rate
    frame.time_base = fractions.Fraction(1, rate)
    frame.pts = 0
    return frame


def test_stereo_s16_is_averaged_to_mono() -> None:
    left = np.full(960, 1000, dtype=np.int16)
    right = np.full(960, 3000, dtype=np.int16)
    interleaved = np.stack([left, right], axis=1).reshape(1, -1)
    pcm = frame_to_mono_pcm(_frame(interleaved, "s16", "stereo"))
    mono = np.frombuffer(pcm, dtype="<i2")
    assert mono.shape == (960,)
    assert np.all(mono == 2000)


def test_mono_s16_passes_through() -> None:
    samples = np.arange(-480, 480, dtype=np.int16).reshape(1, -1)
    pcm = frame_to_mono_pcm(_frame(samples, "s16", "mono"))
    assert pcm == samples.tobytes()


def test_planar_float_is_scaled_and_clipped() -> None:
    planes = np.stack([np.full(480, 0.5, np.float32), np.full(480, 2.0, np.float32)])
    pcm = frame_to_mono_pcm(_frame(planes, "fltp", "stereo"))
    mono = np.frombuffer(pcm, dtype="<i2")
    assert np.all(mono == 32767)  # mean 1.25 clipped to full scale


class _Source:
    """A stand-in output track: given frames, then ``TrackEndedError``."""

    def __init__(self, frames: list[AudioFrame]) -> None:
        self.frames = frames

    async def recv(self) -> AudioFrame:
        from vocalis.audio.output_track import TrackEndedError

        if not self.frames:
            raise TrackEndedError
        return self.frames.pop(0)


async def test_track_sends_paced_silence_until_attached() -> None:
    track = AgentAudioTrack()
    loop = asyncio.get_running_loop()
    start = loop.time()
    frames = [await track.recv() for _ in range(5)]
    elapsed = loop.time() - start
    assert 0.06 <= elapsed < 0.5  # four 20 ms waits after the first frame
    assert [f.pts for f in frames] == [0, 480, 960, 1440, 1920]
    assert all(f.sample_rate == 24000 and f.samples == 480 for f in frames)
    assert all(not np.any(f.to_ndarray()) for f in frames)


async def test_track_plays_the_attached_source_with_continuous_pts() -> None:
    track = AgentAudioTrack()
    await track.recv()
    tone = (np.ones(480, dtype=np.int16) * 1234).tobytes()
    speech = AudioFrame(pcm=tone, sample_rate=24000, samples=480, pts=0, is_speech=True)
    track.attach(_Source([speech]))
    frame = await track.recv()
    assert frame.pts == 480  # the track's own timeline, not the source's pts 0
    assert np.all(frame.to_ndarray() == 1234)
    assert track.speech_frames_sent == 1
    after_end = await track.recv()  # the source ended: silence again
    assert after_end.pts == 960 and not np.any(after_end.to_ndarray())


async def test_track_resamples_a_source_at_another_rate() -> None:
    track = AgentAudioTrack()
    t = np.arange(320 * 10) / 16000
    pcm = (8000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16).tobytes()
    chunks = [pcm[i : i + 640] for i in range(0, len(pcm), 640)]
    track.attach(_Source([AudioFrame(c, 16000, 320) for c in chunks]))
    frames = [await track.recv() for _ in range(10)]
    assert all(f.samples == 480 and f.sample_rate == 24000 for f in frames)
    assert np.abs(frames[-1].to_ndarray()).max() > 4000


async def test_track_follows_a_session_output_track() -> None:
    output = OutputTrack()
    holder: dict[str, OutputTrack | None] = {"track": None}
    track = AgentAudioTrack()
    track.attach(lambda: holder["track"])
    first = await track.recv()  # no output track yet: silence
    assert not np.any(first.to_ndarray())
    holder["track"] = output
    await output.add_new_bytes((np.ones(480 * 3, dtype=np.int16) * 900).tobytes())
    frames = [await track.recv() for _ in range(3)]
    assert all(np.all(f.to_ndarray() == 900) for f in frames)
    await output.aclose()


@pytest.mark.parametrize("fmt", ["u8", "s32"])
def test_unsupported_formats_raise_value_error(fmt: str) -> None:
    dtype = np.uint8 if fmt == "u8" else np.int32
    frame = _frame(np.zeros((1, 480), dtype=dtype), fmt, "mono")
    with pytest.raises(ValueError):
        frame_to_mono_pcm(frame)
