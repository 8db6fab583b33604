import av
import numpy as np
import pytest

from vocalis.audio import AudioFormatError, load_audio_file, read_wav, write_wav

from .helpers import dominant_frequency, sine_pcm


def encode_with_pyav(path, pcm: bytes, rate: int, fmt: str, codec: str) -> None:
    """Encode mono s16 ``pcm`` into ``path`` with PyAV."""
    container = av.open(str(path), "w", format=fmt)
    try:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            np.frombuffer(pcm, "<i2").reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    finally:
        container.close()


def test_wav_round_trip(tmp_path):
    pcm = sine_pcm(440, 16000, 0.3)
    write_wav(tmp_path / "a.wav", pcm, 16000)
    assert read_wav(tmp_path / "a.wav") == (pcm, 16000)


def test_read_wav_averages_stereo_to_mono(tmp_path):
    stereo = np.array([[100, 300], [-200, -400]], dtype="<i2").tobytes()
    write_wav(tmp_path / "s.wav", stereo, 8000, num_channels=2)
    pcm, rate = read_wav(tmp_path / "s.wav")
    assert rate == 8000
    assert np.frombuffer(pcm, "<i2").tolist() == [200, -300]


def test_write_wav_rejects_partial_samples(tmp_path):
    with pytest.raises(AudioFormatError):
        write_wav(tmp_path / "bad.wav", b"\x00\x01\x02", 16000)


def test_load_audio_file_resamples_a_wav(tmp_path):
    write_wav(tmp_path / "a.wav", sine_pcm(500, 16000, 1.0), 16000)
    pcm = load_audio_file(tmp_path / "a.wav")
    assert abs(len(pcm) // 2 - 24000) <= 50
    assert dominant_frequency(pcm, 24000) == pytest.approx(500, abs=3)


def test_load_audio_file_gives_interleaved_stereo(tmp_path):
    write_wav(tmp_path / "a.wav", sine_pcm(500, 24000, 0.5), 24000)
    pcm = load_audio_file(tmp_path / "a.wav", sample_rate=24000, num_channels=2)
    frames = np.frombuffer(pcm, "<i2").reshape(-1, 2)
    assert frames.shape[0] == 12000
    assert np.array_equal(frames[:, 0], frames[:, 1])


@pytest.mark.parametrize(
    ("suffix", "fmt", "codec", "rate"),
    [
        ("mp3", "mp3", "libmp3lame", 24000),
        ("ogg", "ogg", "libopus", 48000),
        ("flac", "flac", "flac", 16000),
    ],
)
def test_load_audio_file_decodes_compressed_formats(tmp_path, suffix, fmt, codec, rate):
    path = tmp_path / f"tone.{suffix}"
    try:
        encode_with_pyav(path, sine_pcm(440, rate, 1.0), rate, fmt, codec)
    except (av.error.FFmpegError, ValueError) as exc:
        pytest.skip(f"{codec} encoder unavailable: {exc}")
    pcm = load_audio_file(path, sample_rate=16000)
    assert abs(len(pcm) / 2 / 16000 - 1.0) < 0.1
    assert dominant_frequency(pcm, 16000) == pytest.approx(440, abs=5)


def test_load_audio_file_rejects_bad_channel_counts(tmp_path):
    write_wav(tmp_path / "a.wav", sine_pcm(500, 16000, 0.1), 16000)
    with pytest.raises(ValueError, match="num_channels"):
        load_audio_file(tmp_path / "a.wav", num_channels=3)


def test_load_audio_file_without_audio_stream_raises(tmp_path):
    path = tmp_path / "video.mp4"
    container = av.open(str(path), "w")
    stream = container.add_stream("mpeg4", rate=10)
    stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
    frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
    for packet in stream.encode(frame):
        container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)
    container.close()
    with pytest.raises(ValueError, match="No audio stream"):
        load_audio_file(path)


def test_load_audio_file_on_garbage_raises_pyav_error(tmp_path):
    path = tmp_path / "junk.mp3"
    path.write_bytes(b"not audio at all" * 10)
    with pytest.raises((av.error.FFmpegError, ValueError)):
        load_audio_file(path)
