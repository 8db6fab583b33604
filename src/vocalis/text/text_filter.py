"""Text filters before TTS: the ``TextFilter`` contract and the streaming ``BasicTextFilter``.

LLM deltas may split anywhere (inside "**", a link, a code fence marker). The filter buffers
up to the last safe word boundary, cleans that part (``speech_text.clean_for_speech``) and
yields it with its surrounding spaces, so the text keeps flowing word by word.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator

from .filter_boundary import safe_cut
from .markdown import FENCE_REGEX
from .numbers import VERBALIZE_LANGS
from .scripts import normalize_lang_code
from .speech_text import SpeechTextOptions, clean_for_speech

logger = logging.getLogger("vocalis.text")

_MAX_BUFFER = 240
_CURRENCY_BY_LANG: dict[str, str] = {
    "hi": "inr", "bn": "inr", "ta": "inr", "te": "inr", "mr": "inr", "gu": "inr", "kn": "inr",
    "ml": "inr", "pa": "inr", "ja": "jpy", "zh": "cny", "en": "usd",
}


class TextFilter(ABC):
    """A pre-chunking transform of the LLM text stream; may keep state within a turn."""

    @abstractmethod
    def filter(self, chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        """Filter raw LLM deltas into text fit to be spoken."""

    @abstractmethod
    async def reset(self) -> None:
        """Forget per-turn state (called between turns)."""


class BasicTextFilter(TextFilter):
    """Streaming clean-up for TTS: Markdown, code, emoji, metadata, numbers, money and symbols.

    ``respect_quotes`` and ``respect_parens`` are accepted for API compatibility and reserved,
    as in the reference. On an internal error the raw text is yielded (fail open).
    """

    def __init__(
        self,
        *,
        language: str = "auto",
        strip_markdown: bool = True,
        strip_llm_metadata: bool = True,
        collapse_script_parens: bool = True,
        normalise_punctuation: bool = True,
        expand_symbols: bool = True,
        expand_ranges: bool = True,
        protect_structural: bool = True,
        respect_quotes: bool = True,
        respect_parens: bool = True,
        ssml_flavor: str = "none",
        verbalize_currency: bool = True,
        verbalize_numbers: bool = False,
        currency_hint: str | None = None,
    ) -> None:
        self.respect_quotes = respect_quotes
        self.respect_parens = respect_parens
        self._options = SpeechTextOptions(
            language=normalize_lang_code(language),
            strip_markdown=strip_markdown,
            strip_llm_metadata=strip_llm_metadata,
            collapse_script_parens=collapse_script_parens,
            normalise_punctuation=normalise_punctuation,
            expand_symbols=expand_symbols,
            expand_ranges=expand_ranges,
            protect_structural=protect_structural,
            ssml_flavor=(ssml_flavor or "none").lower(),
            verbalize_currency=verbalize_currency,
            verbalize_numbers=verbalize_numbers,
            currency_hint=currency_hint.lower() if currency_hint else None,
        )
        self._buffer = ""
        self._in_fence = False
        self._at_line_start = True
        self._last_char = "\n"

    @classmethod
    def for_language(cls, language: str | None) -> BasicTextFilter:
        """The filter the pipeline wires for a language: its words, currency and numbers."""
        lang = normalize_lang_code(language)
        return cls(
            language=lang or "auto",
            verbalize_numbers=lang in VERBALIZE_LANGS,
            currency_hint=_CURRENCY_BY_LANG.get(lang or ""),
        )

    @property
    def options(self) -> SpeechTextOptions:
        return self._options

    async def reset(self) -> None:
        self._buffer = ""
        self._in_fence = False
        self._at_line_start = True
        self._last_char = "\n"

    def clean(self, text: str) -> str:
        """Clean a complete text in one call (no streaming state involved)."""
        return clean_for_speech(text, self._options, at_line_start=True)

    async def filter(self, chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        await self.reset()
        async for chunk in chunks:
            if not chunk:
                continue
            self._buffer += chunk
            for piece in self._drain_safely(final=False):
                yield piece
        for piece in self._drain_safely(final=True):
            yield piece

    def _drain_safely(self, *, final: bool) -> list[str]:
        try:
            return [p for p in map(self._join, self._drain(final=final)) if p]
        except Exception:
            logger.exception("text filter failed; passing the raw text through")
            raw, self._buffer = self._buffer, ""
            return [raw] if raw else []

    def _drain(self, *, final: bool) -> list[str]:
        out: list[str] = []
        while True:
            if self._in_fence:
                close = self._buffer.find("```")
                if close < 0:
                    tail = len(self._buffer) - len(self._buffer.rstrip("`"))
                    self._buffer = "" if final else self._buffer[len(self._buffer) - tail :]
                    return out
                self._buffer = self._buffer[close + 3 :]
                self._in_fence = False
                continue
            fence = FENCE_REGEX.search(self._buffer)
            if fence is not None:
                out.append(self._process(self._buffer[: fence.start()]))
                self._buffer = self._buffer[fence.end() :]
                self._in_fence = True
                continue
            if final:
                out.append(self._process(self._buffer))
                self._buffer = ""
                return out
            cut = safe_cut(
                self._buffer,
                at_line_start=self._at_line_start,
                hold_for_glosses=self._options.collapse_script_parens,
            )
            if cut == 0 and len(self._buffer) > _MAX_BUFFER:
                cut = len(self._buffer)
            if cut:
                out.append(self._process(self._buffer[:cut]))
                self._buffer = self._buffer[cut:]
            return out

    def _join(self, piece: str) -> str:
        """Drop spaces that would double the previous piece's trailing space or start a line."""
        if self._last_char in " \t\n":
            piece = piece.lstrip(" \t")
        if piece:
            self._last_char = piece[-1]
        return piece

    def _process(self, piece: str) -> str:
        if not piece:
            return ""
        text = clean_for_speech(piece, self._options, at_line_start=self._at_line_start)
        self._at_line_start = piece.endswith("\n")
        return text
