"""``CallRecorder``: both sides of a call on one timeline, written to disk as it goes.

The caller's audio and the agent's audio arrive as chunks stamped with the loop clock (when
they arrived from the transport, when they were handed to it). Each side is resampled to the
recording's rate and placed at its stamp: a gap (the caller muted, the agent between turns) is
filled with silence, so the two channels, and the transcript's times, stay aligned with the
call. Every ``flush_interval`` seconds everything older than ``LATENCY`` is written, as two
channels (caller left, agent right) or mixed to one; a crash loses at most that much.
Chunks are added on the event loop while a worker thread writes, so both hold a lock over the
pending audio (the file write itself happens outside it).
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Literal

import numpy as np

from .recording_files import RecordingFormat, open_recording_file
from .resampler import StreamResampler

RecordingLayout = Literal["stereo", "mixed"]

LATENCY = 0.25
"""Seconds of each side kept back when flushing, so late chunks still land in place."""

JITTER = 0.06
"""A chunk stamped up to this much after the end of its side's audio continues it seamlessly;
later, the gap is silence."""

CALLER, AGENT = 0, 1


class CallRecorder:
    """Records two sides into ``path`` (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        *,
        started_at: float,
        format: RecordingFormat = "wav",
        layout: RecordingLayout = "stereo",
        sample_rate: int = 16000,
    ) -> None:
        if layout not in ("stereo", "mixed"):
            raise ValueError(f"layout must be 'stereo' or 'mixed', got {layout!r}")
        self.path = path
        self.started_at = started_at
        self.layout = layout
        self.sample_rate = sample_rate
        self._file = open_recording_file(path, format, sample_rate, 2 if layout == "stereo" else 1)
        self._pending = [np.zeros(0, np.int16), np.zeros(0, np.int16)]
        self._ends = [0, 0]  # samples placed on each side's timeline
        self._written = 0  # samples written to the file (per channel)
        self._resamplers: list[dict[int, StreamResampler]] = [{}, {}]
        self._pending_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.closed = False

    @property
    def duration(self) -> float:
        """Seconds written to the file so far."""
        return self._written / self.sample_rate

    def offset(self, t: float) -> float:
        """Seconds into the recording of loop time ``t``."""
        return max(0.0, t - self.started_at)

    def add(self, side: int, pcm: bytes, sample_rate: int, at: float) -> None:
        """``pcm`` (16-bit mono at ``sample_rate``) from ``side`` that began at loop time ``at``."""
        if self.closed or not pcm:
            return
        resampler = self._resamplers[side].get(sample_rate)
        if resampler is None:
            resampler = StreamResampler(sample_rate, self.sample_rate)
            self._resamplers[side][sample_rate] = resampler
        samples = np.frombuffer(resampler.push(pcm), dtype="<i2")
        start = round(self.offset(at) * self.sample_rate)
        with self._pending_lock:
            gap = start - self._ends[side]
            if gap > JITTER * self.sample_rate:
                self._append(side, np.zeros(gap, np.int16))
            self._append(side, samples)

    def _append(self, side: int, samples: np.ndarray) -> None:
        self._pending[side] = np.concatenate([self._pending[side], samples])
        self._ends[side] += len(samples)

    def flush(self, now: float, *, final: bool = False) -> None:
        """Write everything before ``now - LATENCY`` (all of it when ``final``)."""
        with self._write_lock:
            if self.closed:
                return
            with self._pending_lock:
                samples = self._take(now, final)
            if samples is not None:
                self._file.write(samples)

    def _take(self, now: float, final: bool) -> np.ndarray | None:
        """The frames to write next, as the file's channels, removed from the pending audio."""
        target = max(self._ends) if final else round((self.offset(now) - LATENCY) * self.sample_rate)
        count = target - self._written
        if count <= 0:
            return None
        sides = []
        for side in (CALLER, AGENT):
            block = self._pending[side][:count]
            self._pending[side] = self._pending[side][count:]
            if len(block) < count:
                self._ends[side] = max(self._ends[side], target)
                block = np.concatenate([block, np.zeros(count - len(block), np.int16)])
            sides.append(block)
        self._written = target
        if self.layout == "stereo":
            return np.stack(sides, axis=1)
        mixed = sides[0].astype(np.int32) + sides[1].astype(np.int32)
        return np.clip(mixed, -32768, 32767).astype(np.int16).reshape(-1, 1)

    def abandon(self) -> None:
        """Close the file without writing what is pending (after a failure)."""
        with self._write_lock:
            if not self.closed:
                self.closed = True
                with contextlib.suppress(Exception):
                    self._file.close()

    def close(self, now: float) -> None:
        """Write what is left and close the file."""
        self.flush(now, final=True)
        with self._write_lock:
            if not self.closed:
                self.closed = True
                self._file.close()
