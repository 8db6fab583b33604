import numpy as np
import pytest

from vocalis.audio import AudioFormatError, StreamResampler, resample_pcm

from .helpers import dominant_frequency, sine_pcm


@pytest.mark.parametrize(("in_rate", "out_rate"), [(24000, 16000), (16000, 48000), (8000, 16000)])
def test_sine_frequency_and_duration_are_preserved(in_rate, out_rate):
    pcm = sine_pcm(440, in_rate, 1.0)
    out = resample_pcm(pcm, in_rate, out_rate)
    assert abs(len(out) // 2 - out_rate) <= 2
    assert dominant_frequency(out, out_rate) == pytest.approx(440, abs=2)


def test_streaming_in_odd_chunks_matches_one_shot():
    pcm = sine_pcm(300, 24000, 0.5)
    one_shot = StreamResampler(24000, 16000).resample(pcm)
    streamed = StreamResampler(24000, 16000)
    pieces = []
    position = 0
    sizes = [1, 333, 7, 960, 1001, 2, 4095]
    while position < len(pcm):
        size = sizes[len(pieces) % len(sizes)]
        pieces.append(streamed.push(pcm[position : position + size]))
        position += size
    pieces.append(streamed.flush())
    joined = b"".join(pieces)
    assert len(joined) == len(one_shot)
    a = np.frombuffer(joined, "<i2").astype(np.int32)
    b = np.frombuffer(one_shot, "<i2").astype(np.int32)
    assert np.max(np.abs(a - b)) <= 2


def test_equal_rates_pass_bytes_through_untouched():
    resampler = StreamResampler(16000, 16000)
    chunk = sine_pcm(200, 16000, 0.02)
    assert resampler.is_passthrough
    assert resampler.push(chunk) is chunk
    assert resampler.push(b"\x01\x02\x03") == b"\x01\x02"
    assert resampler.push(b"\x04") == b"\x03\x04"
    assert resampler.flush() == b""


def test_flush_readies_the_resampler_for_a_new_stream():
    resampler = StreamResampler(24000, 16000)
    first = resampler.resample(sine_pcm(440, 24000, 0.2))
    second = resampler.resample(sine_pcm(440, 24000, 0.2))
    assert first == second


@pytest.mark.parametrize("quality", ["LQ", "HQ"])
def test_downsampling_removes_content_above_the_new_nyquist(quality):
    tone = sine_pcm(11000, 48000, 0.5)
    out = StreamResampler(48000, 16000, quality=quality).resample(tone)
    out = np.frombuffer(out, "<i2").astype(np.float64)
    assert np.sqrt(np.mean(out[200:-200] ** 2)) < 0.01 * 32767


def test_bad_rates_and_types_give_clear_errors():
    with pytest.raises(AudioFormatError):
        StreamResampler(0, 16000)
    with pytest.raises(TypeError):
        StreamResampler(24000, 16000).push("text")
