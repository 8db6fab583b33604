"""The probability estimate, the options' validation and the audio ring."""

from __future__ import annotations

import numpy as np
import pytest

from vocalis.interruption import AudioRing, InterruptionOptions, conservative_probability


def test_estimate_is_the_nth_largest_probability():
    p = np.array([0.1, 0.9, 0.4, 0.8], dtype=np.float32)
    assert conservative_probability(p, 1) == pytest.approx(0.9)
    assert conservative_probability(p, 2) == pytest.approx(0.8)
    assert conservative_probability(p, 4) == pytest.approx(0.1)


def test_estimate_is_zero_with_fewer_values_than_frames():
    assert conservative_probability(np.array([0.99]), 2) == 0.0
    assert conservative_probability(np.zeros(0), 1) == 0.0


@pytest.mark.parametrize(("duration", "frames"), [(0.05, 2), (0.025, 1), (0.051, 3), (0.0, 1), (0.1, 4)])
def test_min_frames_counts_25ms_frames(duration, frames):
    assert InterruptionOptions(min_interruption_duration=duration).min_frames == frames


def test_reference_defaults():
    o = InterruptionOptions()
    assert (o.threshold, o.min_interruption_duration, o.max_audio_duration) == (0.5, 0.05, 3.0)
    assert (o.audio_prefix_duration, o.detection_interval, o.inference_timeout) == (1.0, 0.1, 0.7)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_audio_duration": 3.5}, {"threshold": 1.5}, {"detection_interval": 0}, {"min_interruption_duration": -1}],
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        InterruptionOptions(**kwargs)


def test_ring_keeps_the_newest_samples_in_order():
    ring = AudioRing(5)
    ring.append(np.arange(3, dtype=np.int16))
    ring.append(np.arange(3, 7, dtype=np.int16))
    assert ring.window().tolist() == [2, 3, 4, 5, 6]
    ring.append(np.arange(10, 20, dtype=np.int16))
    assert ring.window().tolist() == [15, 16, 17, 18, 19]
    ring.keep_last(2)
    assert ring.window().tolist() == [18, 19]
    ring.clear()
    assert len(ring) == 0 and ring.window().size == 0
