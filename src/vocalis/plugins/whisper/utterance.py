"""The audio of the utterance being transcribed, gated and ended by signal energy.

Audio before the first voiced block is kept only as a short pre-roll, so silence between turns
is never decoded; trailing silence is measured so the STT can finalise on its own when nobody
calls ``flush``. "Voiced" means louder than the configured level and clearly above the
background noise, which is tracked: in a noisy room the noise itself never opens an utterance,
and a pause is still a pause. Positions are sample indexes since the stream started.
"""

from __future__ import annotations

from collections import deque

import numpy as np

_BLOCK = 0.02  # seconds per energy measurement
_PAUSE = 0.15
"""A quiet stretch at least this long inside an utterance is a pause between words."""
_LATE_SPEECH = 0.6
"""At most this much audio after the last pause is speech the flush came too late for."""
_FLOOR_WINDOW = 3.0
"""Seconds over which the quietest block gives the background noise level."""
_ABOVE_FLOOR_DB = 5.0
"""A block this far above the background noise (both measured with emphasis) is sound."""
_MAX_NOISE_GATE_DB = -33.0
"""The noise gate (emphasised level) never rises above this: louder noise than that sounds
like speech to an energy gate, and is let through rather than hiding the caller."""


def block_levels_db(samples: np.ndarray, block: int, *, emphasis: bool = False) -> np.ndarray:
    """RMS level in dBFS of each ``block``-sample piece of int16 ``samples`` (last may be short).

    With ``emphasis`` the level is measured after a first difference, which weighs the speech
    band over the low rumble that dominates most background noise (and makes its level steady).
    """
    x = samples.astype(np.float32) / 32768.0
    if emphasis:
        x = np.diff(x, prepend=x[:1])
    if not len(x):
        return np.zeros(0)
    starts = np.arange(0, len(x), block)
    power = np.add.reduceat(x * x, starts) / np.diff(starts, append=len(x))
    return 10.0 * np.log10(np.maximum(power, 1e-20))


class NoiseFloor:
    """The background level: the quietest 20 ms block of the last few seconds (speech always
    has quieter moments than that within a few seconds; steady noise does not)."""

    def __init__(self, blocks: int) -> None:
        self._levels: deque[float] = deque(maxlen=blocks)

    def update(self, levels_db: np.ndarray) -> None:
        self._levels.extend(levels_db.tolist())

    @property
    def level_db(self) -> float:
        return min(self._levels) if self._levels else float("-inf")


class UtteranceBuffer:
    """Collects one utterance of int16 audio at ``sample_rate``."""

    def __init__(self, sample_rate: int, energy_threshold_db: float, pre_roll: float) -> None:
        self.sample_rate = sample_rate
        self.energy_threshold_db = energy_threshold_db
        self._block = max(1, int(_BLOCK * sample_rate))
        self._floor = NoiseFloor(round(_FLOOR_WINDOW / _BLOCK))
        self._pre_roll_samples = int(pre_roll * sample_rate)
        self._pre_roll: deque[np.ndarray] = deque()
        self._pre_roll_len = 0
        self._chunks: list[np.ndarray] = []
        self.position = 0
        self.start = 0
        self.last_voiced = 0
        self.utterance_id = 0
        self.active = False

    @property
    def duration(self) -> float:
        """Seconds of audio in the current utterance."""
        return (self.position - self.start) / self.sample_rate if self.active else 0.0

    @property
    def noise_gate_db(self) -> float:
        """The emphasised level a block must reach to stand out of the background noise."""
        return min(self._floor.level_db + _ABOVE_FLOOR_DB, _MAX_NOISE_GATE_DB)

    def _voiced_blocks(self, samples: np.ndarray, *, track_noise: bool = False) -> np.ndarray:
        """Indexes of the blocks of ``samples`` that are sound: above the configured level and
        clear of the background noise."""
        emphasised = block_levels_db(samples, self._block, emphasis=True)
        if track_noise:
            self._floor.update(emphasised)
        loud = block_levels_db(samples, self._block) >= self.energy_threshold_db
        return np.flatnonzero(loud & (emphasised >= self.noise_gate_db))

    @property
    def trailing_silence(self) -> float:
        """Seconds since the last voiced block of the current utterance."""
        return (self.position - self.last_voiced) / self.sample_rate if self.active else 0.0

    def push(self, samples: np.ndarray) -> None:
        """Add int16 samples; an utterance opens at the first voiced block."""
        voiced = self._voiced_blocks(samples, track_noise=True)
        chunk_start = self.position
        self.position += len(samples)
        if voiced.size:
            self.last_voiced = min(self.position, chunk_start + (int(voiced[-1]) + 1) * self._block)
        if self.active:
            self._chunks.append(samples)
            return
        if voiced.size:
            self.active = True
            self.utterance_id += 1
            self.start = chunk_start - self._pre_roll_len
            self._chunks = [*self._pre_roll, samples]
            self._pre_roll.clear()
            self._pre_roll_len = 0
            return
        self._pre_roll.append(samples)
        self._pre_roll_len += len(samples)
        while (
            self._pre_roll and self._pre_roll_len - len(self._pre_roll[0]) >= self._pre_roll_samples
        ):
            self._pre_roll_len -= len(self._pre_roll.popleft())

    def audio(self) -> np.ndarray:
        """The current utterance as float32 in [-1, 1] (a copy)."""
        if not self._chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(self._chunks).astype(np.float32) / 32768.0

    def take(self, *, split_late: bool = False) -> tuple[np.ndarray, int, int, int] | None:
        """Close the utterance: audio, start sample, id and end of its last voiced block.

        None if no utterance is open. With ``split_late`` (a flush at the VAD's end of speech,
        mid-call) the caller may already have started the next words ("wait, | stop"): speech
        after the utterance's last pause, if short, opens the next utterance instead of
        ending this one mid-word. Without it (end of input, a timeout) everything is taken.
        """
        if not self.active:
            return None
        samples = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
        split = self._late_speech(samples) if split_late else None
        if split is None:
            taken = samples.astype(np.float32) / 32768.0, self.start, self.utterance_id, \
                self.last_voiced
            self._chunks = []
            self.active = False
            return taken
        onset, voiced_end = split
        taken = (samples[:onset].astype(np.float32) / 32768.0, self.start, self.utterance_id,
                 self.start + voiced_end)
        self.utterance_id += 1
        self.start += onset
        self._chunks = [samples[onset:]]
        return taken

    def _late_speech(self, samples: np.ndarray) -> tuple[int, int] | None:
        """Where to cut off speech the caller began after the utterance's last pause: the cut
        (half a pre-roll before that speech) and the end of the voiced audio before the pause.
        None unless the caller is still speaking and that speech is short enough to have begun
        after the VAD saw the pause."""
        if self.position - self.last_voiced >= _PAUSE * self.sample_rate:
            return None
        voiced = self._voiced_blocks(samples)
        gaps = np.flatnonzero(np.diff(voiced) - 1 >= round(_PAUSE / _BLOCK))
        if not gaps.size:
            return None
        late = int(voiced[gaps[-1] + 1]) * self._block
        if len(samples) - late > _LATE_SPEECH * self.sample_rate:
            return None
        voiced_end = (int(voiced[gaps[-1]]) + 1) * self._block
        return max(voiced_end, late - self._pre_roll_samples // 2), voiced_end
