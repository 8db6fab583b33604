"""The trained classifier: standardised features through a small MLP, in numpy.

Trained by ``tools/train_interruption_model.py`` with scikit-learn and shipped as
``model.npz`` (a few tens of kB) beside this module: feature mean and scale, the layers'
weights and biases, and a JSON ``meta`` record (threshold, training data, held-out figures).
Matrix products use ``np.einsum``, which needs no BLAS thread pool.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ...utils.model_cache import shared_model

MODEL_FILE = "model.npz"


@dataclass(frozen=True)
class InterruptionModel:
    """``probabilities(features)``: one interruption probability per feature row."""

    mean: np.ndarray
    scale: np.ndarray
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> InterruptionModel:
        """Read a model file; ``None`` reads the one shipped in this package."""
        if path is None:
            with resources.files(__package__).joinpath(MODEL_FILE).open("rb") as f:
                return cls._from_npz(np.load(f, allow_pickle=False))
        return cls._from_npz(np.load(Path(path), allow_pickle=False))

    @classmethod
    def _from_npz(cls, data: Any) -> InterruptionModel:
        layers = sorted(k for k in data.files if k.startswith("w"))
        return cls(
            mean=data["mean"].astype(np.float32),
            scale=data["scale"].astype(np.float32),
            weights=tuple(data[k].astype(np.float32) for k in layers),
            biases=tuple(data["b" + k[1:]].astype(np.float32) for k in layers),
            meta=json.loads(str(data["meta"])),
        )

    def save(self, path: str | Path) -> None:
        arrays = {f"w{i}": w for i, w in enumerate(self.weights)}
        arrays |= {f"b{i}": b for i, b in enumerate(self.biases)}
        np.savez_compressed(path, mean=self.mean, scale=self.scale, meta=json.dumps(self.meta), **arrays)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        h = (np.asarray(features, dtype=np.float32) - self.mean) / self.scale
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = np.einsum("ij,jk->ik", h, w) + b
            if i < last:
                h = np.maximum(h, 0.0)
        return (1.0 / (1.0 + np.exp(-np.clip(h[:, 0], -30, 30)))).astype(np.float32)


def load_shared(path: str | Path | None = None) -> InterruptionModel:
    """The process-wide model for ``path`` (the shipped one by default)."""
    key = f"interruption:{Path(path).resolve() if path else 'builtin'}"
    return shared_model(key, lambda: InterruptionModel.load(path))
