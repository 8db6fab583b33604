"""Benchmark the local interruption model on held-out generated speech.

    python -m tools.interruption_data.generate    # once: build/interruption_corpus/*.npz
    python benchmarks/interruption_classifier.py  # prints JSON lines

Each clip is scored as ``LocalInterruptionDetector``'s stream scores an overlap: the window
starts ``audio_prefix_duration`` (0.3 s) before the caller's first voiced sample, a score
every 100 ms after onset, each the 2nd largest of the newest four 25 ms frame probabilities,
and the first score at or above the threshold is the verdict. Lines:

- ``summary`` per subset: accuracy, precision and recall of "interruption" and the false
  interruption rate per kind of non-interruption, with the audio available (200/300/400/600
  ms after onset, and the whole 1.5 s clip), plus decision time p50/p95 of the interruptions;
- ``condition`` per transport path and SNR on the held-out ``test`` subset;
- ``sweep`` (``test`` and ``test_hts``, the two held-out sets): the figures at other
  thresholds (the shipped one was chosen without them);
- ``veto``: used the other way round, as a backchannel detector once the overlap is over: the
  share of each kind whose highest score stays below a low threshold (for interruptions,
  the share that would be wrongly dismissed);
- ``inference``: milliseconds per window (p50/p95) for 0.7, 1.3 and 3 s (the longest) windows,
  with the load.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from vocalis.plugins.interruption import LocalInterruptionDetector
from vocalis.plugins.interruption.features import FrameTrack, frames_for

CORPUS = Path(__file__).resolve().parents[1] / "build" / "interruption_corpus"
RATE = 16000
PRE_ONSET = 0.6
TICKS = np.round(np.arange(0.1, 1.5001, 0.1), 3)
BUDGETS_MS = (200, 300, 400, 600, 1500)
SUBSETS = ("test", "test_hts", "test_seen_phrases", "joe_unseen_phrases")
HELD_OUT = ("test", "test_hts")


_DETECTOR: LocalInterruptionDetector | None = None


def scores(clip: np.ndarray) -> np.ndarray:
    """The stream's conservative probability at every 100 ms tick after the onset."""
    global _DETECTOR
    if _DETECTOR is None:
        _DETECTOR = LocalInterruptionDetector()
    detector = _DETECTOR
    prefix = detector.options.audio_prefix_duration
    track = FrameTrack(clip[int((PRE_ONSET - prefix) * RATE) :])
    model = detector.backend.classifier
    n = detector.options.min_frames
    out = np.zeros(len(TICKS), dtype=np.float32)
    for j, t in enumerate(TICKS):
        end = frames_for(prefix + t)
        rows = np.stack([track.pool(end - 2 * k) for k in range(4)])
        out[j] = np.sort(model.probabilities(rows))[-n]
    return out


def figures(curves: np.ndarray, meta: list[dict], threshold: float) -> dict:
    fired = curves >= threshold
    positive = np.array([m["cls"] == "interruption" for m in meta])
    out: dict = {"n_interruptions": int(positive.sum()), "n_other": int((~positive).sum())}
    for budget in BUDGETS_MS:
        hit = fired[:, : round(budget / 100)].any(axis=1)
        tp, fp = int((hit & positive).sum()), int((hit & ~positive).sum())
        key = f"{budget}ms"
        out[key] = {
            "recall": round(tp / max(1, positive.sum()), 4),
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "accuracy": round(float((hit == positive).mean()), 4),
            "false_interruptions": fp,
        }
        kinds: dict[str, list[bool]] = defaultdict(list)
        for h, m in zip(hit, meta, strict=True):
            if m["cls"] != "interruption":
                kinds[m["cls"]].append(bool(h))
        out[key]["false_interruption_rate"] = {k: round(float(np.mean(v)), 4) for k, v in sorted(kinds.items())}
    first = [TICKS[np.argmax(f)] * 1000 for f, p in zip(fired, positive, strict=True) if p and f.any()]
    if first:
        q = np.percentile(first, [50, 95])
        out["decision_ms_p50"], out["decision_ms_p95"] = float(q[0]), float(q[1])
    heads = [m.get("ambiguous_until") is not None for m in meta]
    plain = positive & ~np.array(heads)
    out["recall_400ms_plain_interruptions"] = round(float(fired[plain, :4].any(axis=1).mean()), 4) if plain.any() else None
    out["recall_600ms_backchannel_headed"] = (
        round(float(fired[positive & np.array(heads), :6].any(axis=1).mean()), 4) if any(heads) else None
    )
    return out


def inference_timing(detector: LocalInterruptionDetector, clips: np.ndarray) -> dict:
    backend = detector.backend
    out = {}
    for seconds in (0.7, 1.3, 3.0):
        start = int((PRE_ONSET - 0.3) * RATE)
        windows = [np.resize(c[start:], int(seconds * RATE)) for c in clips[:200]]  # 3 s > a clip: repeat it
        backend.probabilities(windows[0])
        times = []
        for w in windows:
            t0 = time.perf_counter()
            backend.probabilities(w)
            times.append((time.perf_counter() - t0) * 1000)
        q = statistics.quantiles(times, n=100)
        out[f"window_{seconds}s"] = {"ms_p50": round(q[49], 3), "ms_p95": round(q[94], 3)}
    return out


def main() -> None:
    if not (CORPUS / "test.npz").exists():
        print(json.dumps({"benchmark": "interruption_classifier",
                          "error": f"no corpus in {CORPUS}: run python -m tools.interruption_data.generate"}))
        sys.exit(1)
    detector = LocalInterruptionDetector()
    threshold = detector.options.threshold
    for subset in SUBSETS:
        if not (CORPUS / f"{subset}.npz").exists():
            continue
        data = np.load(CORPUS / f"{subset}.npz")
        audio, meta = data["audio"], [json.loads(m) for m in data["meta"]]
        with Pool(2) as pool:
            curves = np.stack(pool.map(scores, audio, chunksize=32))
        print(json.dumps({"benchmark": "interruption_classifier", "line": "summary", "subset": subset,
                          "threshold": round(threshold, 4), **figures(curves, meta, threshold)}))
        if subset == "test":
            for line in ("mulaw8k", "pcm16k", "pcm48k", "opus48k"):
                for snr in (None, 20, 10):
                    keep = [i for i, m in enumerate(meta) if m["channel"] == line and m["snr"] == snr]
                    f = figures(curves[keep], [meta[i] for i in keep], threshold)
                    print(json.dumps({"benchmark": "interruption_classifier", "line": "condition", "subset": subset,
                                      "channel": line, "snr_db": snr, "threshold": round(threshold, 4),
                                      **{k: f[k] for k in ("400ms", "1500ms", "decision_ms_p50") if k in f}}))
        if subset not in HELD_OUT:
            continue
        for t in (0.5, 0.7, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999):
            f = figures(curves, meta, t)
            print(json.dumps({"benchmark": "interruption_classifier", "line": "sweep", "subset": subset,
                              "threshold": t, "recall_400ms": f["400ms"]["recall"],
                              "recall_600ms": f["600ms"]["recall"],
                              "backchannels_flagged_1500ms": f["1500ms"]["false_interruption_rate"]["backchannel"],
                              "false_interruptions_1500ms": f["1500ms"]["false_interruptions"],
                              "n_other": f["n_other"]}))
        peak = curves.max(axis=1)
        kinds = sorted({m["cls"] for m in meta})
        for t in (0.1, 0.3, 0.5):
            below = {k: round(float(np.mean([p < t for p, m in zip(peak, meta, strict=True) if m["cls"] == k])), 4)
                     for k in kinds}
            print(json.dumps({"benchmark": "interruption_classifier", "line": "veto", "subset": subset,
                              "threshold": t, "share_below": below}))
        if subset == "test":
            print(json.dumps({"benchmark": "interruption_classifier", "line": "inference",
                              "load_1min": round(os.getloadavg()[0], 2), **inference_timing(detector, audio)}))

if __name__ == "__main__":
    main()
