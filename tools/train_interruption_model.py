"""Train the local interruption model on the generated corpus (offline, dev only).

    python -m tools.interruption_data.generate      # first: build/interruption_corpus/*.npz
    python tools/train_interruption_model.py        # -> src/vocalis/plugins/interruption/model.npz

Each training clip is cut as the detector's stream would see it: from a random 0-0.5 s
before the caller's first voiced sample to an end point every 50 ms up to 1.5 s after it.
Labels: backchannels, laughs, coughs, breaths and noise-only windows are 0; interruptions
are 1 from 200 ms after onset, except that "yeah | but wait" style phrases are left
unlabelled until their backchannel-like head has been said (plus 100 ms). A small
scikit-learn MLP learns them from all but three training voices; the threshold is the lowest
with no false interruption on those three held-out voices (plus a margin), and the model is
saved as numpy arrays with it (the shipped model is the one the threshold was chosen for).
"""

from __future__ import annotations

import argparse
import json
import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


from vocalis.plugins.interruption.features import FEATURE_COUNT, FrameTrack, frames_for  # noqa: E402
from vocalis.plugins.interruption.model import InterruptionModel  # noqa: E402

CORPUS = ROOT / "build" / "interruption_corpus"
MODEL = ROOT / "src" / "vocalis" / "plugins" / "interruption" / "model.npz"
RATE = 16000
PRE_ONSET = 0.6  # where the onset sits in every corpus clip (seconds)
PREFIXES = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
END_POINTS = np.round(np.arange(0.05, 1.501, 0.05), 3)
VALIDATION_VOICES = ("espeak:en-us+klatt2:pitch50", "flite:awb:f0115",
                     "piper:en_US-joe-medium:length1.15-noise0.5-noise_w0.6")
SEED = 16
STREAM_PREFIX = 0.3
TICK = 0.1
MIN_FRAMES = 2
THRESHOLD_MARGIN = 0.02
HIDDEN = (32, 16)
ALPHA = 1e-2


def load(subset: str) -> tuple[np.ndarray, list[dict]]:
    data = np.load(CORPUS / f"{subset}.npz")
    return data["audio"], [json.loads(m) for m in data["meta"]]


def clip_rows(args: tuple[np.ndarray, dict, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows, labels (1, 0) and weights of one training clip at two random prefixes."""
    audio, meta, seed = args
    rng = np.random.default_rng(seed)
    onset = int(PRE_ONSET * RATE)
    rows, labels, weights = [], [], []
    positive = meta["cls"] == "interruption"
    for prefix in rng.choice(PREFIXES, size=2, replace=False):
        start = onset - int(prefix * RATE)
        track = FrameTrack(audio[start:])
        ends = [*END_POINTS] + ([-0.15, 0.0] if prefix >= 0.2 else [])
        for t in ends:
            if positive:
                unlabelled_until = max(0.2, (meta["ambiguous_until"] or 0.0) + 0.1)
                if 0 < t < unlabelled_until:
                    continue
            rows.append(track.pool(frames_for(prefix + t)))
            labels.append(1 if positive and t > 0 else 0)
            weights.append(2.0 if meta["cls"] == "backchannel" else 1.0)
    return np.stack(rows), np.array(labels), np.array(weights)


def features(audio: np.ndarray, meta: list[dict], jobs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    with Pool(jobs) as pool:
        parts = pool.map(clip_rows, [(a, m, SEED + i) for i, (a, m) in enumerate(zip(audio, meta, strict=True))],
                         chunksize=16)
    owner = np.concatenate([np.full(len(p[1]), i) for i, p in enumerate(parts)])
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]), owner)


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> InterruptionModel:
    from sklearn.neural_network import MLPClassifier

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    mlp = MLPClassifier(hidden_layer_sizes=HIDDEN, alpha=ALPHA, batch_size=512, learning_rate_init=1e-3,
                        max_iter=40, early_stopping=True, n_iter_no_change=5, random_state=SEED)
    mlp.fit((x - mean) / scale, y, sample_weight=w)
    return InterruptionModel(mean.astype(np.float32), scale.astype(np.float32),
                             tuple(c.astype(np.float32) for c in mlp.coefs_),
                             tuple(b.astype(np.float32) for b in mlp.intercepts_))


def stream_curves(model: InterruptionModel, audio: np.ndarray, prefix: float = STREAM_PREFIX) -> np.ndarray:
    """Per clip, the conservative probability at each 100 ms tick after onset (as the stream scores)."""
    onset = int(PRE_ONSET * RATE)
    ticks = np.round(np.arange(TICK, 1.5001, TICK), 3)
    out = np.zeros((len(audio), len(ticks)), dtype=np.float32)
    for i, clip in enumerate(audio):
        track = FrameTrack(clip[onset - int(prefix * RATE):])
        for j, t in enumerate(ticks):
            end = frames_for(prefix + t)
            rows = np.stack([track.pool(end - 2 * k) for k in range(4)])
            p = np.sort(model.probabilities(rows))
            out[i, j] = p[-MIN_FRAMES]
    return out


def choose_threshold(curves: np.ndarray, meta: list[dict]) -> tuple[float, dict]:
    """Lowest threshold with no false interruption on held-out negatives, plus a margin."""
    negative = np.array([m["cls"] != "interruption" for m in meta])
    worst_negative = float(curves[negative].max()) if negative.any() else 0.5
    threshold = min(0.99, max(0.5, worst_negative + THRESHOLD_MARGIN))
    fired = curves[~negative] >= threshold
    report = {"worst_negative": round(worst_negative, 4), "threshold": round(threshold, 4),
              "false_interruptions": int((curves[negative] >= threshold).any(axis=1).sum()),
              "negatives": int(negative.sum()), "interruptions": int((~negative).sum())}
    for budget in (0.2, 0.3, 0.4, 0.6, 1.0, 1.5):
        ticks = round(budget / TICK)
        report[f"recall_{int(budget * 1000)}ms"] = round(float(fired[:, :ticks].any(axis=1).mean()), 4)
    return threshold, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--refresh", action="store_true", help="recompute the cached feature rows")
    args = parser.parse_args()
    audio, meta = load("train")
    cache = CORPUS / "train_features.npz"
    if cache.exists() and not args.refresh and cache.stat().st_mtime > (CORPUS / "train.npz").stat().st_mtime:
        cached = np.load(cache)
        x, y, w, owner = (cached[k] for k in ("x", "y", "w", "owner"))
    else:
        x, y, w, owner = features(audio, meta, args.jobs)
        np.savez(cache, x=x, y=y, w=w, owner=owner)
    is_val_clip = np.array([m["voice"] in VALIDATION_VOICES for m in meta])
    model = fit(*(a[~is_val_clip[owner]] for a in (x, y, w)))
    curves = stream_curves(model, audio[is_val_clip])
    threshold, report = choose_threshold(curves, [m for m, v in zip(meta, is_val_clip, strict=True) if v])
    model = InterruptionModel(model.mean, model.scale, model.weights, model.biases, meta={
        "threshold": threshold, "features": FEATURE_COUNT, "hidden": list(HIDDEN), "alpha": ALPHA,
        "training_rows": int((~is_val_clip[owner]).sum()), "training_clips": int((~is_val_clip).sum()), "validation_voices": VALIDATION_VOICES,
        "validation": report, "stream_prefix_s": STREAM_PREFIX,
    })
    model.save(MODEL)
    print(json.dumps(model.meta))


if __name__ == "__main__":
    main()
