"""Cuts a streaming reply into sentences so Piper can speak each as soon as it is complete.

A segment ends at a sentence end (``.``, ``!``, ``?``, ``…`` or ``;``/``:`` followed by space),
at a newline, or where the text stream carries a ``FlushMarker``; text that runs on without
one is cut into pieces of at most ``max_chars`` (at a clause mark or word break).
"""

from __future__ import annotations

import re

from ...text import split_long_text

MAX_SEGMENT_CHARS = 200
"""Longest segment handed on; longer runs are cut (see ``vocalis.text.split_long_text``)."""

_BOUNDARY = re.compile(r"(?<=[.!?…;:])[\"'”’)\]]*\s+|\n+")
_SPEAKABLE = re.compile(r"\w")


class SentenceSplitter:
    """Accumulates text pieces and hands back the complete sentences they close."""

    def __init__(self, min_chars: int = 2, max_chars: int = MAX_SEGMENT_CHARS) -> None:
        self._buffer = ""
        self._min_chars = min_chars
        self._max_chars = max_chars

    def push(self, text: str) -> list[str]:
        """Add ``text``; return the sentences it completes (possibly none)."""
        self._buffer += text
        out: list[str] = []
        start = 0
        for match in _BOUNDARY.finditer(self._buffer):
            candidate = self._buffer[start : match.end()].strip()
            if len(candidate) < self._min_chars:
                continue
            out.append(candidate)
            start = match.end()
        self._buffer = self._buffer[start:]
        if len(self._buffer) > self._max_chars:
            *complete, self._buffer = split_long_text(self._buffer, self._max_chars)
            out.extend(piece.strip() for piece in complete)
        return [s for s in out if is_speakable(s)]

    def flush(self) -> list[str]:
        """Close the current segment (end of stream or ``FlushMarker``)."""
        rest, self._buffer = self._buffer.strip(), ""
        return [rest] if is_speakable(rest) else []


def is_speakable(text: str) -> bool:
    """True if ``text`` has at least one letter or digit (Piper would only make noise)."""
    return bool(_SPEAKABLE.search(text))


def split_sentences(text: str) -> list[str]:
    """All sentences of a complete text."""
    splitter = SentenceSplitter()
    return splitter.push(text) + splitter.flush()
