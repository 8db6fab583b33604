"""Acoustic features of overlapping speech, computed with numpy alone.

The window (int16, 16 kHz) is cut into 25 ms frames every 12.5 ms. Per frame: a 12-band
log-mel spectrum over 100-3800 Hz (what survives an 8 kHz phone line, so every transport
looks alike), the band energy, and autocorrelation voicing and pitch. A window's feature
vector pools those frames up to an end point, weighting each frame by how close it is to the
loudest one (so noise before the onset counts little): how long and how loud the speech is,
its spectral shape overall and in the last 150 ms, how fast it changes (syllables,
spectral flux), its pitch movement, whether it has already stopped, how much audio there
is, and a coarse spectrogram of the first 400 ms from the onset (what the word sounds like). ``window_features`` pools at several end points at once: one row per 25 ms model frame.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

RATE = 16000
FRAME = 400  # 25 ms
HOP = 200  # 12.5 ms: two hops per 25 ms model frame
N_FFT = 512
BANDS = 12
LOW_HZ, HIGH_HZ = 100.0, 3800.0
PITCH_RATE = 8000  # pitch is tracked on audio decimated to 8 kHz: a quarter of the work
PITCH_FRAME, PITCH_HOP = FRAME // 2, HOP // 2
MIN_LAG, MAX_LAG = PITCH_RATE // 400, PITCH_RATE // 60  # pitch between 60 and 400 Hz
TAIL_FRAMES = 12  # the "now" part of the window: the last 150 ms
GRID_STEPS, GRID_HOPS = 8, 4  # the first 400 ms from the onset, in 50 ms steps: a small spectrogram
FEATURE_NAMES: tuple[str, ...] = (
    "active_s", "dynamic_db", "first_active_s", "span_s", "trailing_s", "window_s",
    *(f"shape_mean_{i}" for i in range(BANDS)), *(f"shape_std_{i}" for i in range(BANDS)),
    *(f"tail_shape_{i}" for i in range(BANDS)), "tail_level_db", "tail_active",
    "flux_mean", "flux_std", "energy_delta_std", "peaks", "peak_rate",
    "voicing_mean", "voiced_fraction", "pitch_std_st", "pitch_range_st", "pitch_slope_st",
    "pitch_mean_st", "high_band_mean_db", "high_band_max_db", "centroid_mean", "centroid_std",
    *(f"grid_{step}_{band}" for step in range(GRID_STEPS) for band in range(BANDS)),
)
FEATURE_COUNT = len(FEATURE_NAMES)


@lru_cache(maxsize=1)
def _mel_bands() -> tuple[tuple[int, int, np.ndarray], ...]:
    """Triangular mel filters as (first bin, end bin, weights): sparse, so no BLAS call."""
    freqs = np.fft.rfftfreq(N_FFT, 1 / RATE)
    low, high = (2595 * np.log10(1 + f / 700) for f in (LOW_HZ, HIGH_HZ))
    edges = 700 * (10 ** (np.linspace(low, high, BANDS + 2) / 2595) - 1)
    bands = []
    for b in range(BANDS):
        lo, mid, hi = edges[b : b + 3]
        weights = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0, None)
        nonzero = np.flatnonzero(weights)
        first, last = int(nonzero[0]), int(nonzero[-1]) + 1
        bands.append((first, last, weights[first:last].astype(np.float32)))
    return tuple(bands)


def _bins(low: float, high: float) -> slice:
    freqs = np.fft.rfftfreq(N_FFT, 1 / RATE)
    inside = np.flatnonzero((freqs >= low) & (freqs <= high))
    return slice(int(inside[0]), int(inside[-1]) + 1)


BAND_BINS = _bins(LOW_HZ, HIGH_HZ)
HIGH_BINS = _bins(2000.0, HIGH_HZ)
BIN_KHZ = (np.fft.rfftfreq(N_FFT, 1 / RATE)[BAND_BINS] / 1000).astype(np.float32)


@lru_cache(maxsize=2)
def _hann(size: int) -> np.ndarray:
    return np.hanning(size).astype(np.float32)


@lru_cache(maxsize=1)
def _pitch_window_ac() -> np.ndarray:
    """Autocorrelation of the pitch window: dividing by it unbiases a frame's autocorrelation."""
    ac = np.fft.irfft(np.abs(np.fft.rfft(_hann(PITCH_FRAME), N_FFT)) ** 2)[: MAX_LAG + 1]
    return (ac / ac[0]).astype(np.float32)


def _frames(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    if len(x) < size:
        x = np.pad(x, (0, size - len(x)))
    return np.lib.stride_tricks.sliding_window_view(x, size)[::hop] * _hann(size)


class FrameTrack:
    """Per-frame measurements of one window: the expensive part, computed once.

    Only elementwise numpy and FFTs: no BLAS, whose thread pool stalls for milliseconds on
    a busy machine.
    """

    def __init__(self, audio: np.ndarray) -> None:
        x = audio.astype(np.float32) / 32768.0
        power = np.abs(np.fft.rfft(_frames(x, FRAME, HOP), N_FFT)) ** 2
        band = power[:, BAND_BINS]
        band_power = band.sum(axis=1) + 1e-10
        self.frames = count = len(power)
        self.energy = 10 * np.log10(band_power)
        self.mel = 10 * np.log10(
            np.stack([(power[:, a:b] * w).sum(axis=1) for a, b, w in _mel_bands()], axis=1) + 1e-10
        )
        self.high = 10 * np.log10(power[:, HIGH_BINS].sum(axis=1) + 1e-10) - self.energy
        self.centroid = (band * BIN_KHZ).sum(axis=1) / band_power

        half = x[: len(x) // 2 * 2].reshape(-1, 2).mean(axis=1)  # 8 kHz, crudely low-passed
        pitch_frames = _frames(half, PITCH_FRAME, PITCH_HOP)[:count]
        ac = np.fft.irfft(np.abs(np.fft.rfft(pitch_frames, N_FFT)) ** 2, N_FFT)[:, : MAX_LAG + 1]
        ac = ac / (_pitch_window_ac() + 1e-3)
        lags = ac[:, MIN_LAG:] / (ac[:, :1] + 1e-12)
        best = np.argmax(lags, axis=1)
        voicing = np.clip(lags[np.arange(len(lags)), best], 0, 1)
        pitch = 12 * np.log2(PITCH_RATE / (best + MIN_LAG) / 100.0)
        pad = count - len(voicing)
        self.voicing = np.pad(voicing, (0, pad))
        self.pitch_st = np.pad(pitch, (0, pad))

    def pool(self, end: int) -> np.ndarray:
        """The feature vector of frames ``[0, end)``."""
        end = max(1, min(end, self.frames))
        e = self.energy[:end]
        smooth = np.convolve(e, np.ones(3) / 3, mode="same") if end >= 3 else e
        ref = float(smooth.max())
        floor = float(np.percentile(e, 10))
        w = np.clip((e - (ref - 20.0)) / 10.0, 0.0, 1.0)
        total = float(w.sum()) + 1e-6
        active = np.flatnonzero(w > 0.5)
        first, last = (active[0], active[-1]) if len(active) else (end - 1, end - 1)
        sec = HOP / RATE

        shape = self.mel[:end] - e[:, None]
        shape_mean = (w @ shape) / total
        shape_std = np.sqrt(np.maximum((w @ (shape - shape_mean) ** 2) / total, 0))
        tail = slice(max(0, end - TAIL_FRAMES), end)
        tw = w[tail]
        tail_total = float(tw.sum()) + 1e-6
        tail_shape = (tw @ shape[tail]) / tail_total
        tail_level = float(e[tail].mean()) - ref

        flux = np.abs(np.diff(self.mel[:end], axis=0)).mean(axis=1) if end > 1 else np.zeros(1)
        fw = w[1:] if end > 1 else w
        flux_mean = float(fw @ flux) / (float(fw.sum()) + 1e-6)
        flux_std = float(np.sqrt(max((fw @ (flux - flux_mean) ** 2) / (float(fw.sum()) + 1e-6), 0)))
        energy_delta_std = float(np.std(np.diff(smooth))) if end > 2 else 0.0
        peaks = _count_peaks(smooth, ref - 15.0)

        v = self.voicing[:end]
        voiced = (v > 0.45) & (w > 0.5)
        pitch = self.pitch_st[:end][voiced]
        if len(pitch) >= 3:
            t = np.flatnonzero(voiced) * sec
            slope = float(np.polyfit(t, pitch, 1)[0]) if np.ptp(t) > 0 else 0.0
            p_std, p_range = float(pitch.std()), float(np.percentile(pitch, 90) - np.percentile(pitch, 10))
            p_mean = float(pitch.mean())
        else:
            slope = p_std = p_range = p_mean = 0.0
        high = self.high[:end]
        centroid = self.centroid[:end]
        centroid_mean = float(w @ centroid) / total
        return np.array([
            total * sec, ref - floor, first * sec, (last - first) * sec, (end - 1 - last) * sec, end * sec,
            *shape_mean, *shape_std, *tail_shape, tail_level, float(tw.mean()),
            flux_mean, flux_std, energy_delta_std, peaks, peaks / max(total * sec, 0.1),
            float(w @ v) / total, float(voiced.sum()) / max(len(active), 1), p_std, p_range,
            float(np.clip(slope, -60, 60)), p_mean,
            float(w @ high) / total, float(high[w > 0.5].max()) if len(active) else -30.0,
            centroid_mean, float(np.sqrt(max((w @ (centroid - centroid_mean) ** 2) / total, 0))),
            *self._onset_grid(first, end, ref),
        ], dtype=np.float32)

    def _onset_grid(self, first: int, end: int, ref: float) -> np.ndarray:
        """Log-mel levels (dB re the loudest frame) in 50 ms steps from the onset: the word's shape.

        Steps not heard yet read -40 dB, like silence; ``window_s`` and ``span_s`` tell them apart.
        """
        grid = np.full((GRID_STEPS, BANDS), -40.0, dtype=np.float32)
        for step in range(GRID_STEPS):
            a = first + step * GRID_HOPS
            b = min(a + GRID_HOPS, end)
            if b <= a:
                break
            grid[step] = np.clip(self.mel[a:b].mean(axis=0) - ref, -40.0, 10.0)
        return grid.reshape(-1)


def _count_peaks(envelope: np.ndarray, floor: float, prominence: float = 4.0) -> int:
    """Syllable-like peaks: local maxima above ``floor`` rising ``prominence`` dB over the dip before."""
    if len(envelope) < 3:
        return 0
    slope = np.diff(envelope)
    maxima = np.flatnonzero((slope[:-1] >= 0) & (slope[1:] < 0)) + 1
    peaks, last = 0, 0
    for i in maxima:
        if envelope[i] > floor and envelope[i] - envelope[last : i + 1].min() >= prominence:
            peaks += 1
            last = i
    return peaks


def frames_for(seconds: float) -> int:
    """Frames whose analysis ends within ``seconds`` of audio."""
    samples = round(seconds * RATE)
    return 0 if samples < FRAME else 1 + (samples - FRAME) // HOP


def window_features(audio: np.ndarray, count: int = 8) -> np.ndarray:
    """Feature rows for the ``count`` end points 25 ms apart ending at the window's end."""
    track = FrameTrack(audio)
    ends = [track.frames - 2 * k for k in range(count - 1, -1, -1)]
    return np.stack([track.pool(max(1, end)) for end in ends])
