"""Sentence chunkers: the ``SentenceChunker`` contract and the multilingual ``BasicSentenceChunker``.

A chunker cuts LLM text into sentence-sized segments for TTS, in one shot (``tokenize``) or as a
push stream (``stream``). The basic chunker's rules are in ``boundaries``; this module resolves
the language, terminator sets and abbreviations.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import partial

from .abbreviations import abbreviations_for
from .boundaries import SplitRules, ends_with_confirmable_terminator, split_raw
from .chunk_stream import BufferedSentenceChunkStream, SentenceChunkStream
from .long_text import split_long_text
from .scripts import detect_script, normalize_lang_code
from .terminators import (
    GREEK_ANO_TELEIA,
    GREEK_QUESTION_MARK,
    STRONG_TERMINATORS,
    WEAK_TERMINATORS,
)

DEFAULT_MAX_SENTENCE_LEN = 200
"""Characters per TTS segment at most: about ten seconds of speech, and a bounded amount of
memory for a local voice model (Piper's grows with the square of the input)."""


class SentenceChunker(ABC):
    """Abstract chunker that splits text into sentence-sized segments for TTS."""

    @abstractmethod
    def tokenize(self, text: str, *, language: str | None = None) -> list[str]:
        """Split ``text`` in one shot into stripped, non-empty segments."""

    @abstractmethod
    def stream(self, *, language: str | None = None) -> SentenceChunkStream:
        """A fresh, single-use push stream of sentences."""


class BasicSentenceChunker(SentenceChunker):
    """Rule-based chunker for any script: strong and weak terminators, abbreviations, quotes.

    A strong terminator ends a sentence once what follows confirms it; a weak one (comma,
    colon, dash) ends a segment only past ``min_sentence_len`` characters. Abbreviations,
    numbers, URLs, e-mails, times and versions never split; neither does quoted speech.

    ``max_sentence_len`` (a Vocalis addition, default 200 characters, None for no limit) bounds
    every segment: text that runs on without a sentence end is cut after a clause mark, else
    at a word break (see ``split_long_text``), so no TTS request grows with the input.

    ``first_min_sentence_len`` (a Vocalis addition, default None: same as ``min_sentence_len``)
    applies to a stream's first segment only: "Of course," can go to TTS alone, so the first audio
    does not wait for the whole opening sentence.
    """

    def __init__(
        self,
        *,
        language: str = "auto",
        min_sentence_len: int = 20,
        strong_terminators: str = STRONG_TERMINATORS,
        weak_terminators: str = WEAK_TERMINATORS,
        abbreviations: frozenset[str] | None = None,
        max_sentence_len: int | None = DEFAULT_MAX_SENTENCE_LEN,
        first_min_sentence_len: int | None = None,
    ) -> None:
        self._language = language or "auto"
        self._min_sentence_len = max(1, int(min_sentence_len))
        self._first_min_sentence_len = (
            None if first_min_sentence_len is None else max(1, int(first_min_sentence_len))
        )
        if max_sentence_len is not None and max_sentence_len < self._min_sentence_len:
            raise ValueError(
                f"max_sentence_len ({max_sentence_len}) must be >= min_sentence_len "
                f"({self._min_sentence_len})"
            )
        self._max_sentence_len = max_sentence_len
        self._strong = frozenset(strong_terminators)
        self._weak = frozenset(weak_terminators)
        self._abbreviations = abbreviations

    @property
    def min_sentence_len(self) -> int:
        return self._min_sentence_len

    @property
    def max_sentence_len(self) -> int | None:
        return self._max_sentence_len

    def _resolve_language(self, text: str, language: str | None) -> str:
        explicit = normalize_lang_code(language) or normalize_lang_code(self._language)
        return explicit or detect_script(text[:200])

    def rules_for(
        self, text: str = "", *, language: str | None = None, min_sentence_len: int | None = None
    ) -> SplitRules:
        """The boundary rules used for ``text`` (Greek turns ``;`` into a question mark)."""
        lang = self._resolve_language(text, language)
        strong, weak = self._strong, self._weak
        if lang == "el":
            strong = strong | {GREEK_QUESTION_MARK}
            weak = (weak - {GREEK_QUESTION_MARK}) | {GREEK_ANO_TELEIA}
        abbreviations = (
            self._abbreviations if self._abbreviations is not None else abbreviations_for(lang)
        )
        min_len = self._min_sentence_len if min_sentence_len is None else min_sentence_len
        return SplitRules(strong, weak, min_len, abbreviations)

    def tokenize_raw(
        self, text: str, *, language: str | None = None, min_sentence_len: int | None = None
    ) -> list[str]:
        """Segments with their whitespace; the last one is the unconfirmed remainder."""
        rules = self.rules_for(text, language=language, min_sentence_len=min_sentence_len)
        segments = split_raw(text, rules)
        limit = self._max_sentence_len
        if limit is None or all(len(segment) <= limit for segment in segments):
            return segments
        return [piece for segment in segments for piece in split_long_text(segment, limit)]

    def tokenize(self, text: str, *, language: str | None = None) -> list[str]:
        segments = (s.strip() for s in self.tokenize_raw(text, language=language))
        return [s for s in segments if s]

    def ends_sentence(self, text: str, *, language: str | None = None) -> bool:
        """Whether ``text`` ends with a real sentence terminator (not "Dr." or "3.")."""
        return ends_with_confirmable_terminator(text, self.rules_for(text, language=language))

    def stream(self, *, language: str | None = None) -> SentenceChunkStream:
        rules = self.rules_for(language=language)
        first = self._first_min_sentence_len
        first_tokenize = (
            None
            if first is None or first >= self._min_sentence_len
            else partial(self.tokenize_raw, language=language, min_sentence_len=first)
        )
        return BufferedSentenceChunkStream(
            tokenize_fn=partial(self.tokenize_raw, language=language),
            strong_terminators="".join(sorted(rules.strong)),
            min_sentence_len=self._min_sentence_len,
            sentence_end_fn=partial(self.ends_sentence, language=language),
            first_tokenize_fn=first_tokenize,
        )
