"""Turns a sequence of per-window speech probabilities into speech start and end decisions.

Pure logic, no model and no I/O: the Silero VAD feeds it, and tests can drive it directly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SegmentEvent:
    """A speech boundary decided by the segmenter. Times are seconds of input audio."""

    kind: str  # "start" or "end"
    time: float
    speech_start_time: float
    speech_end_time: float | None
    speech_duration: float
    silence_duration: float
    probability: float


class SpeechSegmenter:
    """Hysteresis on speech probability with minimum speech and silence durations.

    Speech starts once every window for ``min_speech_duration`` has probability >=
    ``activation_threshold``; it ends after ``min_silence_duration`` of windows below
    ``deactivation_threshold``. The end event carries the end of the last voiced window, which
    is where end-to-end latency is measured from.
    """

    def __init__(
        self,
        window_duration: float,
        activation_threshold: float,
        deactivation_threshold: float,
        min_speech_duration: float,
        min_silence_duration: float,
    ) -> None:
        self._window = window_duration
        self._on = activation_threshold
        self._off = deactivation_threshold
        self._min_speech = min_speech_duration
        self._min_silence = min_silence_duration
        self.reset()

    def reset(self) -> None:
        """Back to silence at time zero."""
        self.time = 0.0
        self.speaking = False
        self._run_start: float | None = None
        self._speech_start = 0.0
        self._last_voiced_end = 0.0
        self._silence = 0.0

    def push(self, probability: float) -> SegmentEvent | None:
        """Account for one more window; return a boundary if this window decides one."""
        start, self.time = self.time, self.time + self._window
        if not self.speaking:
            if probability < self._on:
                self._run_start = None
                return None
            if self._run_start is None:
                self._run_start = start
            if self.time - self._run_start + 1e-9 < self._min_speech:
                return None
            self.speaking = True
            self._speech_start = self._run_start
            self._last_voiced_end = self.time
            self._silence = 0.0
            self._run_start = None
            return SegmentEvent(
                kind="start",
                time=self.time,
                speech_start_time=self._speech_start,
                speech_end_time=None,
                speech_duration=self.time - self._speech_start,
                silence_duration=0.0,
                probability=probability,
            )
        if probability >= self._off:
            self._last_voiced_end = self.time
            self._silence = 0.0
            return None
        self._silence += self._window
        if self._silence + 1e-9 < self._min_silence:
            return None
        return self.end(probability)

    def end(self, probability: float = 0.0) -> SegmentEvent | None:
        """Close the current speech segment now (end of stream); None if not speaking."""
        if not self.speaking:
            return None
        self.speaking = False
        return SegmentEvent(
            kind="end",
            time=self.time,
            speech_start_time=self._speech_start,
            speech_end_time=self._last_voiced_end,
            speech_duration=self._last_voiced_end - self._speech_start,
            silence_duration=self.time - self._last_voiced_end,
            probability=probability,
        )
