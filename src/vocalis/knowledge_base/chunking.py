"""Cutting documents into passages small enough to embed and to read out to an LLM.

A chunk never crosses a section boundary. Paragraphs are packed up to ``max_words``; a longer
paragraph is split at sentence ends (and a run-on sentence at ``max_words``). When a section
needs several chunks, each repeats the last ``overlap_words`` of the previous one so a fact
cut in two is still found whole. MiniLM reads at most 256 word pieces: the default of 160
words leaves room for the heading prefixed when embedding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .documents import Document

DEFAULT_MAX_WORDS = 160
DEFAULT_OVERLAP_WORDS = 30

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass
class Chunk:
    """A passage: its text, where it comes from, and what is embedded for it."""

    source: str
    title: str
    heading: str
    position: int
    text: str

    @property
    def label(self) -> str:
        """Title and heading, e.g. "Aurora X2 manual > Wi-Fi > Reset"."""
        return " > ".join(p for p in (self.title, self.heading) if p)

    @property
    def embedding_text(self) -> str:
        return f"{self.label}: {self.text}" if self.label else self.text


def chunk_document(
    document: Document,
    *,
    max_words: int = DEFAULT_MAX_WORDS,
    overlap_words: int = DEFAULT_OVERLAP_WORDS,
) -> list[Chunk]:
    """The chunks of ``document``, in reading order."""
    if max_words < 20:
        raise ValueError("max_words must be at least 20")
    if not 0 <= overlap_words < max_words // 2:
        raise ValueError("overlap_words must be between 0 and half of max_words")
    chunks: list[Chunk] = []
    for section in document.sections:
        for text in _split_section(section.text, max_words, overlap_words):
            chunks.append(
                Chunk(document.source, document.title, section.heading, len(chunks), text)
            )
    return chunks


def _pieces(text: str, max_words: int) -> list[list[str]]:
    """Paragraphs as word lists, long ones split at sentences, long sentences at max_words."""
    pieces: list[list[str]] = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            continue
        if len(words) <= max_words:
            pieces.append(words)
            continue
        for sentence in _SENTENCE_END.split(paragraph):
            sentence_words = sentence.split()
            for start in range(0, len(sentence_words), max_words):
                pieces.append(sentence_words[start:start + max_words])
    return pieces


def _split_section(text: str, max_words: int, overlap_words: int) -> list[str]:
    chunks: list[list[str]] = []
    current: list[str] = []
    for piece in _pieces(text, max_words):
        if current and len(current) + len(piece) > max_words:
            chunks.append(current)
            tail = current[-overlap_words:] if overlap_words else []
            current = tail if len(tail) + len(piece) <= max_words else []
        current = current + piece
    if current:
        chunks.append(current)
    return [" ".join(words) for words in chunks]
