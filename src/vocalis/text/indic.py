"""Indic text: a sentence chunker for Indic languages and a transliterator between Indic scripts.

``IndicSentenceChunker`` splits at the danda (``।``), the double danda (``॥``) and Latin ``. ! ?``,
keeping whitespace so a streamed buffer never glues words together. ``IndicScriptTransliterator``
maps text between the Indic Unicode blocks, which share one layout (what the reference's
indic-nlp-library does for the letters they have in common): Hindi written by an LLM can be
spoken by a Telugu TTS. No third-party library is needed for either.
"""

from __future__ import annotations

import logging
import unicodedata
from functools import partial

from .chunk_stream import BufferedSentenceChunkStream, SentenceChunkStream
from .chunker import BasicSentenceChunker
from .scripts import normalize_lang_code

logger = logging.getLogger("vocalis.text")

INDIC_TERMINATORS = "।॥.!?"
INDIC_LANGS = frozenset(
    {"hi", "mr", "sa", "ne", "kok", "mai", "bn", "as", "pa", "gu", "or", "ta", "te", "kn", "ml"}
)

_SCRIPT_BASE = {
    "hi": 0x0900, "mr": 0x0900, "sa": 0x0900, "ne": 0x0900, "kok": 0x0900, "mai": 0x0900,
    "bn": 0x0980, "as": 0x0980, "pa": 0x0A00, "gu": 0x0A80, "or": 0x0B00, "ta": 0x0B80,
    "te": 0x0C00, "kn": 0x0C80, "ml": 0x0D00,
}
_BLOCK = 0x80


class IndicSentenceChunker(BasicSentenceChunker):
    """Sentence chunker for Indic languages (see the module docstring)."""

    def __init__(
        self, *, language: str = "hi", min_sentence_len: int = 1, idle_flush_ms: float = 400
    ) -> None:
        code = normalize_lang_code(language) or "hi"
        if code not in INDIC_LANGS:
            logger.warning("IndicSentenceChunker: %r is not an Indic language; "
                           "BasicSentenceChunker suits it better", language)
        super().__init__(language=code, min_sentence_len=min_sentence_len,
                         strong_terminators=INDIC_TERMINATORS, weak_terminators="")
        self._idle_flush_ms = idle_flush_ms

    def stream(self, *, language: str | None = None) -> SentenceChunkStream:
        return BufferedSentenceChunkStream(
            tokenize_fn=partial(self.tokenize_raw, language=language),
            strong_terminators=INDIC_TERMINATORS,
            min_sentence_len=self.min_sentence_len,
            idle_flush_ms=self._idle_flush_ms,
            sentence_end_fn=partial(self.ends_sentence, language=language),
        )


class IndicScriptTransliterator:
    """Rewrites text from one Indic script to another, letter for letter."""

    def __init__(self, *, source: str, target: str) -> None:
        bases = {}
        for name, code in (("source", source), ("target", target)):
            base = _SCRIPT_BASE.get(normalize_lang_code(code) or "")
            if base is None:
                known = ", ".join(sorted(_SCRIPT_BASE))
                raise ValueError(f"{name}={code!r} is not an Indic language ({known})")
            bases[name] = base
        self._source, self._target = bases["source"], bases["target"]

    def convert(self, text: str) -> str:
        if self._source == self._target:
            return text
        out = []
        for char in text:
            offset = ord(char) - self._source
            if 0 <= offset < _BLOCK:
                mapped = chr(self._target + offset)
                if unicodedata.name(mapped, ""):
                    char = mapped
            out.append(char)
        return "".join(out)
