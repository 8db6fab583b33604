"""The turn detector's input: ``[CLS] assistant-tail [SEP] user-tail [SEP]`` word pieces.

The word pieces are MiniLM's (``vocalis.text.minilm``). Only the tail of each side is kept, so a
call costs the same for a long monologue as for a short answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...text.minilm import WordPieces

#: Word pieces kept from the end of the assistant message and of the user's turn.
CONTEXT_TOKENS = 16
TEXT_TOKENS = 32


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
        self._pieces = WordPieces()

    def batch(self, pairs: list[tuple[str | None, str]]) -> Batch:
        p = self._pieces
        rows = []
        for context, text in pairs:
            ctx = p.ids(context)[-CONTEXT_TOKENS:] if context else []
            txt = p.ids(text)[-TEXT_TOKENS:] or [p.unk]
            rows.append(([p.cls, *ctx, p.sep, *txt, p.sep], len(ctx) + 2))
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
