"""MiniLM's tokenizer: its own uncased BERT WordPiece vocabulary (``minilm_vocab.txt``, shipped
here, Apache-2.0) read by the ``tokenizers`` package."""

from __future__ import annotations

from importlib import resources

import numpy as np

VOCAB_FILE = "minilm_vocab.txt"


class WordPieces:
    """Word-piece ids of texts, and padded batches of them. Thread-safe (``tokenizers`` encodes
    without shared mutable state once configured)."""

    def __init__(self) -> None:
        from tokenizers.implementations import BertWordPieceTokenizer

        with resources.as_file(resources.files(__package__).joinpath(VOCAB_FILE)) as vocab:
            self._tokenizer = BertWordPieceTokenizer(str(vocab), lowercase=True)
        self.cls, self.sep, self.unk = (
            self._tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[UNK]")
        )

    def ids(self, text: str) -> list[int]:
        """The word pieces of ``text``, without ``[CLS]``/``[SEP]``."""
        return self._tokenizer.encode(text, add_special_tokens=False).ids

    def sentences(self, texts: list[str], max_tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """``[CLS] text [SEP]`` for each text (cut to ``max_tokens`` pieces in all), padded:
        (input_ids, attention_mask), int64 [len(texts), longest]."""
        encodings = self._tokenizer.encode_batch(texts)
        rows = [[*e.ids[: max_tokens - 1], self.sep] if len(e.ids) > max_tokens else e.ids
                for e in encodings]
        ids = np.zeros((len(rows), max((len(r) for r in rows), default=0)), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
        return ids, (ids != 0).astype(np.int64)
