"""``BeepDetector``: hears an answering machine's "leave a message after the tone" beep.

A beep is a steady pure tone: in each 20 ms frame (analysed over a 40 ms Hann window) nearly all
of the energy above 80 Hz sits in one narrow peak, and that peak stays at the same
frequency from frame to frame. Speech never does that for long (its energy spreads over
harmonics and formants, and its pitch moves). A run of such frames lasting ``min_duration`` to
``max_duration`` seconds, followed by the tone stopping, is a beep; it is reported when it ends,
which is when an agent should start talking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..audio.resampler import StreamResampler

RATE = 8000
"""Beeps live below 3.4 kHz, so the detector works at telephone rate whatever it is fed."""

FRAME = RATE // 50
WINDOW = 2 * FRAME


@dataclass(frozen=True)
class Beep:
    """A detected tone: its frequency, how long it lasted, and the audio time it ended at
    (seconds of audio fed to the detector)."""

    frequency: float
    duration: float
    ended_at: float


class BeepDetector:
    """Streaming beep detection on 16-bit mono PCM (see the module docstring)."""

    def __init__(
        self,
        *,
        min_duration: float = 0.12,
        max_duration: float = 4.0,
        min_frequency: float = 350.0,
        max_frequency: float = 2500.0,
        purity: float = 0.8,
        min_level_dbfs: float = -40.0,
        frequency_tolerance: float = 30.0,
    ) -> None:
        self.min_frames = max(2, round(min_duration * 50))
        self.max_frames = round(max_duration * 50)
        self.min_frequency = min_frequency
        self.max_frequency = max_frequency
        self.purity = purity
        self.min_rms = 32768.0 * 10 ** (min_level_dbfs / 20)
        self.tolerance = frequency_tolerance
        self._window = np.hanning(WINDOW).astype(np.float32)
        freqs = np.fft.rfftfreq(WINDOW, 1 / RATE)
        self._band = freqs >= 80
        self._freqs = freqs
        self._resamplers: dict[int, StreamResampler] = {}
        self._buffer = np.zeros(0, dtype=np.float32)
        self._previous = np.zeros(FRAME, dtype=np.float32)
        self._frames = 0
        self._run: list[float] = []

    @property
    def position(self) -> float:
        """Seconds of audio analysed so far."""
        return self._frames / 50

    def push(self, pcm: bytes, sample_rate: int) -> list[Beep]:
        """Feed audio; returns the beeps that ended within it."""
        if sample_rate != RATE:
            resampler = self._resamplers.get(sample_rate)
            if resampler is None:
                resampler = self._resamplers[sample_rate] = StreamResampler(sample_rate, RATE)
            pcm = resampler.push(pcm)
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
        self._buffer = np.concatenate([self._buffer, samples])
        beeps = []
        while len(self._buffer) >= FRAME:
            frame, self._buffer = self._buffer[:FRAME], self._buffer[FRAME:]
            beep = self._frame(frame)
            if beep is not None:
                beeps.append(beep)
        return beeps

    def _frame(self, frame: np.ndarray) -> Beep | None:
        window = np.concatenate([self._previous, frame])
        self._previous = frame
        self._frames += 1
        frequency = self._tone(window)
        if frequency is not None and (not self._run or abs(frequency - np.median(self._run))
                                      <= self.tolerance):
            self._run.append(frequency)
            if len(self._run) > self.max_frames:  # a dial tone or music, not a beep
                self._run = self._run[-self.max_frames:]
            return None
        beep = self._finish_run()
        if frequency is not None:
            self._run = [frequency]
        return beep

    def _finish_run(self) -> Beep | None:
        run, self._run = self._run, []
        if not self.min_frames <= len(run) < self.max_frames:
            return None
        ended_at = (self._frames - 1) / 50
        return Beep(float(np.median(run)), len(run) / 50, ended_at)

    def _tone(self, window: np.ndarray) -> float | None:
        """The frequency of a pure tone in ``window``, or None."""
        if float(np.sqrt(np.mean(window * window))) < self.min_rms:
            return None
        power = np.abs(np.fft.rfft(window * self._window)) ** 2
        band = power * self._band
        total = float(band.sum())
        if total <= 0:
            return None
        peak = int(np.argmax(band))
        lobe = float(band[max(0, peak - 2): peak + 3].sum())
        if lobe / total < self.purity:
            return None
        frequency = float(self._freqs[peak])
        if peak > 0 and peak + 1 < len(power):
            left, mid, right = np.log(power[peak - 1: peak + 2] + 1e-9)
            denominator = left - 2 * mid + right
            if denominator < 0:
                frequency += 0.5 * (left - right) / denominator * (RATE / WINDOW)
        if not self.min_frequency <= frequency <= self.max_frequency:
            return None
        return frequency
