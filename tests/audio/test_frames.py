import numpy as np
import pytest

from vocalis.audio import (
    AudioFormat,
    AudioFormatError,
    FrameChunker,
    array_to_pcm,
    check_pcm,
    frame_bytes,
    is_silent,
    pcm_duration,
    pcm_to_array,
    rms,
    sample_count,
    silence,
)

from .helpers import constant_pcm, sine_pcm


def test_frame_sizes_follow_rate_and_length():
    assert frame_bytes(24000) == 960
    assert frame_bytes(16000, ms=10) == 320
    assert frame_bytes(48000, channels=2) == 3840
    fmt = AudioFormat(8000)
    assert (fmt.frame_samples, fmt.frame_bytes, fmt.frame_duration) == (160, 320, 0.02)


def test_format_rejects_impossible_shapes():
    with pytest.raises(AudioFormatError):
        AudioFormat(24000, channels=3)
    with pytest.raises(AudioFormatError):
        AudioFormat(22050, frame_ms=3)
    with pytest.raises(AudioFormatError):
        AudioFormat(0)


def test_duration_and_sample_count():
    one_second = bytes(48000)
    assert pcm_duration(one_second, 24000) == 1.0
    assert pcm_duration(48000, 24000, channels=2) == 0.5
    assert sample_count(b"\x00" * 7) == 3


def test_odd_length_pcm_raises_a_typed_error():
    with pytest.raises(AudioFormatError, match="whole number"):
        check_pcm(b"\x00\x01\x02")
    with pytest.raises(AudioFormatError):
        pcm_to_array(b"\x00" * 6, channels=4)


def test_bytes_numpy_round_trip_clips_floats():
    pcm = np.array([0, 1000, -32768, 32767], dtype=np.int16).tobytes()
    assert array_to_pcm(pcm_to_array(pcm)) == pcm
    clipped = pcm_to_array(array_to_pcm(np.array([40000.0, -40000.0, 1.4])))
    assert clipped.tolist() == [32767, -32768, 1]
    stereo = pcm_to_array(np.arange(8, dtype=np.int16).tobytes(), channels=2)
    assert stereo.shape == (4, 2)


def test_levels_and_silence():
    assert rms(bytes(960)) == 0.0
    assert is_silent(bytes(960))
    assert rms(constant_pcm(16384, 480)) == pytest.approx(0.5, abs=1e-3)
    assert not is_silent(sine_pcm(440, 24000, 0.02, amplitude=0.1))
    assert is_silent(constant_pcm(5, 480))
    assert silence(960) is silence(960)


def test_chunker_turns_arbitrary_chunks_into_exact_frames():
    stream = bytes(range(256)) * 20
    chunker = FrameChunker(960)
    frames = []
    position = 0
    for size in (1, 7, 959, 1000, 3, 960, 501):
        frames += chunker.push(stream[position : position + size])
        position += size
    assert all(len(f) == 960 for f in frames)
    assert b"".join(frames) + chunker.clear() == stream[:position]


def test_chunker_flush_pads_the_tail_and_drops_a_split_sample():
    chunker = FrameChunker(8)
    assert chunker.push(b"\x01\x02\x03") == []
    assert chunker.pending == 3
    assert chunker.flush() == b"\x01\x02" + bytes(6)
    assert chunker.flush() is None
    chunker.push(b"\x05")
    assert chunker.flush() is None


def test_chunker_rejects_odd_frame_size():
    with pytest.raises(AudioFormatError):
        FrameChunker(7)
