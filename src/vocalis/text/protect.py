"""Shielding of text that looks like punctuation but is not: URLs, e-mails, numbers, abbreviations.

The chunker asks ``protected_mask`` which characters may not end a sentence; the filter swaps
spans for Private-Use-Area placeholders (``Placeholders``) so that symbol expansion never
touches a URL or an address, then puts them back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from .abbreviations import SENTENCE_FINAL_ABBREVIATIONS

URL_REGEX = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}]")
EMAIL_REGEX = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
PATH_REGEX = re.compile(r"(?<![\w/])(?:~|\.{1,2})?/(?:[\w.-]+/)+[\w.-]*|\b[A-Za-z]:\\[\w\\. -]+")
VERSION_REGEX = re.compile(r"(?<![\w.])v\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?\b|\b\d+\.\d+\.\d+(?:\.\d+)?\b")
NUMBER_REGEX = re.compile(r"\d+(?:[.,:]\d+)+")
# "1. First item" at the start of a line, and "No. 5".
_LIST_MARKER_REGEX = re.compile(r"(?:\A|(?<=\n))[ \t]*\d{1,3}\.(?=[ \t])")
_NUMERO_REGEX = re.compile(r"(?<![\w.])(?:no|nos|nr|nº)\.(?=\s*\d)", re.IGNORECASE)
# A single capital initial followed by another capitalised word: "J. K. Rowling". "I" is a word.
_INITIAL_REGEX = re.compile(r"(?<![\w.])[A-HJ-Z]\.(?=\s*[A-Z])")

_STRUCTURAL_PATTERNS = (URL_REGEX, EMAIL_REGEX, NUMBER_REGEX, _LIST_MARKER_REGEX, _NUMERO_REGEX)

PLACEHOLDER_BASE = 0xE000
_PLACEHOLDER_LIMIT = 0xF8FF


@lru_cache(maxsize=32)
def abbreviation_regex(abbreviations: frozenset[str]) -> re.Pattern[str] | None:
    """``(?<![\\w.])(?:abbr|...)\\.`` for a set, longest first so "u.s.a" wins over "u.s"."""
    if not abbreviations:
        return None
    alternatives = "|".join(re.escape(a) for a in sorted(abbreviations, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternatives})\.", re.IGNORECASE)


def _next_visible(text: str, index: int) -> str:
    while index < len(text) and text[index] in " \t":
        index += 1
    return text[index] if index < len(text) else ""


def protected_mask(text: str, abbreviations: frozenset[str]) -> bytearray:
    """One byte per character of ``text``: 1 where a period or colon cannot end a segment."""
    mask = bytearray(len(text))
    for pattern in _STRUCTURAL_PATTERNS:
        for match in pattern.finditer(text):
            mask[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
    for match in _INITIAL_REGEX.finditer(text):
        mask[match.end() - 1] = 1
    abbr_regex = abbreviation_regex(abbreviations)
    if abbr_regex is not None:
        for match in abbr_regex.finditer(text):
            word = match.group()[:-1].lower()
            if word in SENTENCE_FINAL_ABBREVIATIONS and _next_visible(text, match.end()).isupper():
                continue
            mask[match.end() - 1] = 1
    return mask


class Placeholders:
    """Swap spans for single Private-Use-Area characters and restore them afterwards."""

    def __init__(self) -> None:
        self._originals: dict[str, str] = {}

    def protect(self, text: str, patterns: Iterable[re.Pattern[str]]) -> str:
        """Replace every match of each pattern with a fresh placeholder character."""
        for pattern in patterns:
            text = pattern.sub(self._hold, text)
        return text

    def protect_where(
        self, text: str, pattern: re.Pattern[str], keep: Callable[[str], bool]
    ) -> str:
        """Replace the matches of ``pattern`` for which ``keep`` is true."""
        return pattern.sub(lambda m: self._hold(m) if keep(m.group()) else m.group(), text)

    def _hold(self, match: re.Match[str]) -> str:
        code = PLACEHOLDER_BASE + len(self._originals)
        if code > _PLACEHOLDER_LIMIT:
            return match.group()
        key = chr(code)
        self._originals[key] = match.group()
        return key

    def restore(self, text: str) -> str:
        """Put the original spans back (nested placeholders included)."""
        for _ in range(3):
            if not any(key in text for key in self._originals):
                break
            for key, original in self._originals.items():
                text = text.replace(key, original)
        return text
