"""``split_long_text``: cut text that has no sentence end into pieces of bounded length.

A unit of speech work must stay small whatever the input: a voice model's memory grows faster
than linearly with the length of what it speaks at once. Pieces end after a clause mark
(comma, semicolon, colon, dash) when one is close enough to the limit, else at the last word
break, and inside a word only when one token alone is longer than the limit. Each cut depends
only on the ``max_chars + 1`` characters from the piece's start, so a text streamed in is cut
exactly where the whole text would be.
"""

from __future__ import annotations

from .terminators import WEAK_TERMINATORS

CLAUSE_MARKS = frozenset(WEAK_TERMINATORS)

_CLAUSE_REACH = 3
"""A clause mark is used when it lies in the last (1 - 1/3) of the window; an earlier one would
leave a very short piece, so the last word break is taken instead."""


def split_long_text(text: str, max_chars: int) -> list[str]:
    """Raw pieces of ``text`` (whitespace kept; they concatenate back to ``text``), each at
    most ``max_chars`` long except the last, which is shorter than ``max_chars + 1``."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be >= 1, got {max_chars}")
    pieces: list[str] = []
    start = 0
    while len(text) - start > max_chars:
        cut = _cut(text, start, max_chars)
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _cut(text: str, start: int, max_chars: int) -> int:
    """Where the piece starting at ``start`` ends (``text`` is longer than the window)."""
    end = start + max_chars
    floor = start + max(1, max_chars // _CLAUSE_REACH)
    for i in range(end - 1, floor - 1, -1):
        if text[i] in CLAUSE_MARKS and (text[i + 1].isspace() or text[i] not in ",;:"):
            return i + 1
    for i in range(end, start, -1):
        if text[i].isspace():
            return i
    return end
