"""TurnDetector: a local, download-free end-of-utterance model over the transcript text.

A logistic regression over sparse text features (see ``features``), trained offline by
``tools/train_turn_detector.py`` and shipped as ``model.json`` in this package. Inference is
a sparse dot product of a few dozen feature weights plus a sigmoid: tens of microseconds
in pure Python, no numpy arrays, no threads, no PyTorch, about 1 MB of memory. That is why it
is safe to call on the event loop; ``prewarm()`` still loads the weights ahead of time.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...eou import EOU
from ...utils.model_cache import shared_model
from .features import extract

if TYPE_CHECKING:
    from ...llm.chat_context import ChatContext

MODEL_FILE = "model.json"


@dataclass(frozen=True)
class TurnModel:
    """Feature weights and bias of the logistic model; ``probability`` scores a transcript."""

    weights: dict[str, float]
    bias: float
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> TurnModel:
        """Read a model file; ``None`` reads the one shipped in this package."""
        if path is None:
            raw = resources.files(__package__).joinpath(MODEL_FILE).read_text(encoding="utf-8")
        else:
            raw = Path(path).read_text(encoding="utf-8")
        data = json.loads(raw)
        return cls(
            weights={str(k): float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            meta=dict(data.get("meta", {})),
        )

    def logit(self, text: str, context: str | None = None) -> float:
        get = self.weights.get
        return self.bias + sum(get(f, 0.0) for f in set(extract(text, context)))

    def probability(self, text: str, context: str | None = None) -> float:
        """Probability that ``text``, said after assistant message ``context``, ends the turn."""
        z = self.logit(text, context)
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


def _load_shared(model_path: str | Path | None) -> TurnModel:
    key = f"turn_detector:{Path(model_path).resolve() if model_path else 'builtin'}"
    return shared_model(key, lambda: TurnModel.load(model_path))


def _is_message(item: Any) -> bool:
    return getattr(item, "type", "message") == "message" and hasattr(item, "role")


def _role(item: Any) -> str:
    role = item.role
    return str(getattr(role, "value", role))


def last_exchange(chat_context: ChatContext) -> tuple[str, str | None]:
    """The user's last turn and the assistant message just before it.

    Consecutive user messages (one turn split across several transcripts) are joined;
    assistant messages after the last user message, and system, developer and tool items,
    are skipped.
    """
    user_parts: list[str] = []
    for item in reversed(list(getattr(chat_context, "items", []))):
        if not _is_message(item):
            continue
        role = _role(item)
        if role == "user":
            user_parts.append(item.text_content)
        elif role == "assistant" and user_parts:
            return _join(user_parts), item.text_content
    return _join(user_parts), None


def _join(parts_newest_first: list[str]) -> str:
    return " ".join(p for p in reversed(parts_newest_first) if p)


class TurnDetector(EOU):
    """Predicts from the transcript whether the user has finished their turn.

    ``get_eou_probability`` reads the last user message(s) and the assistant message before
    them. With no user text at all it returns 1.0: the detector has no evidence that the user
    is mid-sentence, so it does not hold the turn open and the VAD's silence timing decides.
    ``model_path`` points at another model file written by the training script.
    """

    def __init__(self, threshold: float = 0.7, model_path: str | Path | None = None) -> None:
        super().__init__(threshold=threshold)
        self._model_path = model_path
        self._model: TurnModel | None = None

    @property
    def model(self) -> TurnModel:
        if self._model is None:
            self._model = _load_shared(self._model_path)
        return self._model

    def probability(self, text: str, context: str | None = None) -> float:
        """Probability of end of turn for a raw transcript, without a chat context."""
        if not text or not text.strip():
            return 1.0
        return self.model.probability(text, context)

    def get_eou_probability(self, chat_context: ChatContext) -> float:
        text, assistant = last_exchange(chat_context)
        return self.probability(text, assistant)
