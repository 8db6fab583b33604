import numpy as np
import pytest

from vocalis.audio import (
    AudioFormatError,
    AudioMixer,
    BackgroundAudioConfig,
    BackgroundSource,
    rms,
    synthetic_ambience,
    synthetic_typing,
)

from .helpers import constant_pcm


def as_array(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, "<i2")


def test_no_background_passes_frames_through_untouched():
    mixer = AudioMixer(4)
    speech = constant_pcm(100, 4)
    assert not mixer.active
    assert mixer.mix(speech) is speech
    assert mixer.mix(None) is None


def test_background_is_scaled_by_volume_and_added_under_speech():
    mixer = AudioMixer(4)
    mixer.play("background", BackgroundSource(constant_pcm(1000, 8), volume=0.5))
    assert as_array(mixer.mix(constant_pcm(100, 4))).tolist() == [600] * 4
    assert as_array(mixer.mix(None)).tolist() == [500] * 4
    assert mixer.mix(None) is None
    assert not mixer.is_playing("background")


def test_one_shot_source_is_zero_padded_at_its_end():
    source = BackgroundSource(constant_pcm(10, 6))
    assert source.read(4).tolist() == [10.0] * 4
    assert source.read(4).tolist() == [10.0, 10.0, 0.0, 0.0]
    assert source.finished
    assert source.read(4) is None


def test_looping_source_wraps_around():
    pcm = np.array([1, 2, 3], dtype="<i2").tobytes()
    source = BackgroundSource(pcm, looping=True)
    assert source.read(4).tolist() == [1, 2, 3, 1]
    assert source.read(4).tolist() == [2, 3, 1, 2]
    assert not source.finished


def test_mix_clips_instead_of_wrapping_around():
    mixer = AudioMixer(2)
    mixer.play("background", BackgroundSource(constant_pcm(30000, 2)))
    assert as_array(mixer.mix(constant_pcm(30000, 2))).tolist() == [32767, 32767]
    mixer.play("background", BackgroundSource(constant_pcm(-30000, 2)))
    assert as_array(mixer.mix(constant_pcm(-30000, 2))).tolist() == [-32768, -32768]


def test_layers_add_up_and_stop_independently():
    mixer = AudioMixer(2)
    mixer.play("background", BackgroundSource(constant_pcm(100, 2), looping=True))
    mixer.play("thinking", BackgroundSource(constant_pcm(10, 2), looping=True))
    assert as_array(mixer.mix(None)).tolist() == [110, 110]
    assert mixer.stop("thinking")
    assert not mixer.stop("thinking")
    assert as_array(mixer.mix(None)).tolist() == [100, 100]


def test_pushed_background_bytes_are_consumed_frame_by_frame():
    mixer = AudioMixer(2)
    mixer.push_bytes(np.array([1, 2, 3], dtype="<i2").tobytes())
    assert as_array(mixer.mix(constant_pcm(10, 2))).tolist() == [11, 12]
    assert as_array(mixer.mix(None)).tolist() == [3, 0]
    assert mixer.mix(None) is None


def test_synthetic_sounds_are_soft_deterministic_and_not_silent():
    typing = synthetic_typing(16000)
    assert typing == synthetic_typing(16000)
    assert 0.0 < rms(typing) < 0.1
    assert np.max(np.abs(as_array(typing))) <= 3000
    assert 0.0 < rms(synthetic_ambience(16000)) < 0.05


def test_config_without_file_uses_the_synthetic_sound():
    source = BackgroundSource.from_config(BackgroundAudioConfig(volume=0.3, looping=True), 16000)
    assert source.looping and source.volume == 0.3
    assert np.any(np.concatenate([source.read(1600) for _ in range(20)]) != 0)


def test_invalid_background_input_is_rejected():
    with pytest.raises(ValueError):
        BackgroundAudioConfig(volume=1.5)
    with pytest.raises(AudioFormatError):
        BackgroundSource(b"")
    with pytest.raises(AudioFormatError):
        BackgroundSource(b"\x00\x01\x02")


def test_background_ducks_under_speech_and_comes_back_smoothly():
    """A steady background falls to about -10 dB within 40 ms of speech, returns over 0.4 s
    after it, and the gain changes without steps between samples."""
    import numpy as np

    from vocalis.audio.background import BackgroundSource
    from vocalis.audio.mixer import DUCK_GAIN, AudioMixer

    samples = 480  # 20 ms at 24 kHz
    mixer = AudioMixer(samples)
    mixer.play("background", BackgroundSource(np.full(samples * 10, 1000, "<i2").tobytes(),
                                              looping=True))
    voice = np.zeros(samples, "<i2")
    voice[::2] = 3000  # loud "speech" whose mean is known
    speech_frame = voice.tobytes()
    levels = []
    for i in range(45):
        speech = speech_frame if 5 <= i < 20 else None
        out = np.frombuffer(mixer.mix(speech), "<i2").astype(float)
        background = out - (voice if speech is not None else 0)
        levels.append(background)
    assert np.allclose(levels[4], 1000)
    assert np.allclose(levels[8], 1000 * DUCK_GAIN, atol=1)
    after = levels[20:]
    assert after[0].mean() < after[5].mean() < after[-1].mean()
    assert np.allclose(levels[-1], 1000, atol=1)
    steps = np.abs(np.diff(np.concatenate(levels[4:24])))
    assert steps.max() < 100
