"""Score corpus clips the way ``LocalInterruptionDetector``'s stream scores an overlap.

The stream's window starts ``audio_prefix_duration`` before the caller's first voiced sample
and grows by ``detection_interval`` (100 ms); each score is the conservative probability (the
``min_frames``-th largest) of the newest model frames of the window. The model is causal, so
one pass over the whole clip gives every window's frame probabilities at once:
``tick_scores`` picks, for each tick, the frames the backend would have returned.
"""

from __future__ import annotations

import numpy as np

from vocalis.plugins.interruption.features import RATE, frame_count

PRE_ONSET = 0.6  # where the onset sits in every corpus clip (seconds)
TICKS = np.round(np.arange(0.1, 1.5001, 0.1), 3)  # seconds of audio after the onset
SCORED_FRAMES = 4  # model frames the backend returns per window (its MIN_FRAMES_SCORED)


def window_start(prefix: float) -> int:
    """The sample of a corpus clip where the stream's window begins."""
    return round((PRE_ONSET - prefix) * RATE)


def steps_in(samples: int) -> int:
    """Model frames (25 ms steps) of a window of ``samples``."""
    return frame_count(samples) // 2


def tick_scores(step_probabilities: np.ndarray, prefix: float, min_frames: int = 2,
                ticks: np.ndarray = TICKS) -> np.ndarray:
    """The stream's conservative probability at each tick, from one pass over the clip."""
    out = np.zeros(len(ticks), dtype=np.float32)
    for j, t in enumerate(ticks):
        n = steps_in(round((prefix + t) * RATE))
        recent = step_probabilities[max(0, n - SCORED_FRAMES) : n]
        out[j] = np.sort(recent)[-min_frames] if len(recent) >= min_frames else 0.0
    return out
