"""The previous turn detector, kept as the benchmark's "before": a logistic regression over
sparse text features (``lexical_turn_features``), weights in ``lexical_turn_model.json``.

It was Vocalis's TurnDetector until the MiniLM model replaced it; it scored 97.7 % on its own
held-out data and 87 % on the independent set, with overconfident probabilities.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from .lexical_turn_features import extract

MODEL = Path(__file__).with_name("lexical_turn_model.json")


@dataclass(frozen=True)
class LexicalTurnModel:
    """Feature weights and bias of the logistic model; ``probability`` scores a transcript."""

    weights: dict[str, float]
    bias: float

    @classmethod
    def load(cls, path: Path = MODEL) -> LexicalTurnModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({str(k): float(v) for k, v in data["weights"].items()}, float(data["bias"]))

    def probability(self, text: str, context: str | None = None) -> float:
        """Probability that ``text``, said after assistant message ``context``, ends the turn."""
        if not text.strip():
            return 1.0
        z = self.bias + sum(self.weights.get(f, 0.0) for f in set(extract(text, context)))
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
