"""English hyphenation (Liang's algorithm, the TeX patterns): ``hyphenate_english("hyphenation")``
→ ``["hy", "phen", "ation"]``.

``EnglishHyphenator(patterns, exceptions)`` takes patterns in TeX form (``.ab4c``) and
exceptions such as ``ta-ble``. ``hyphenate_english`` uses the en_US patterns shipped with the
``pyphen`` package (the LibreOffice dictionary, derived from TeX's).
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyphen

_DIGITS = re.compile(r"\d")
_MIN_WORD = 5
"""Words shorter than this are never split."""


class EnglishHyphenator:
    """Splits words at their hyphenation points (no split within two letters of either end)."""

    def __init__(self, patterns: str, exceptions: str = "") -> None:
        self._trie: dict[str, dict] = {}
        for pattern in patterns.split():
            letters = _DIGITS.sub("", pattern)
            points = [0] * (len(letters) + 1)
            position = 0
            for char in pattern:
                if char.isdigit():
                    points[position] = int(char)
                else:
                    position += 1
            node = self._trie
            for char in letters:
                node = node.setdefault(char, {})
            node[None] = points  # type: ignore[index]
        self._exceptions: dict[str, list[int]] = {}
        for word in exceptions.split():
            points = [0]
            for char in word:
                if char == "-":
                    points[-1] = 1
                else:
                    points.append(0)
            self._exceptions[word.replace("-", "").lower()] = points

    def hyphenate(self, word: str) -> list[str]:
        """The pieces of ``word``; their concatenation is ``word``."""
        if len(word) < _MIN_WORD or not word.isalpha():
            return [word]
        lower = word.lower()
        points = self._exceptions.get(lower)
        if points is None:
            padded = f".{lower}."
            points = [0] * (len(padded) + 1)
            for start in range(len(padded)):
                node = self._trie
                for char in padded[start:]:
                    node = node.get(char)  # type: ignore[assignment]
                    if node is None:
                        break
                    found = node.get(None)  # type: ignore[call-overload]
                    if found:
                        for offset, value in enumerate(found):
                            points[start + offset] = max(points[start + offset], value)
            points = points[1:-1]
        pieces, piece = [], ""
        for index, char in enumerate(word):
            piece += char
            breakable = 2 <= index + 1 <= len(word) - 2
            if breakable and index + 1 < len(points) and points[index + 1] % 2:
                pieces.append(piece)
                piece = ""
        pieces.append(piece)
        return pieces


def english_patterns() -> str:
    """The en_US TeX-style patterns from ``pyphen`` (directive lines removed)."""
    with open(pyphen.LANGUAGES["en_US"], encoding="utf-8") as source:
        lines = source.read().splitlines()[1:]
    return "\n".join(line for line in lines if line and not line[0].isupper())


@lru_cache(maxsize=1)
def _english() -> EnglishHyphenator:
    return EnglishHyphenator(english_patterns())


def hyphenate_english(word: str) -> list[str]:
    """Split ``word`` at every legal English hyphenation point."""
    return _english().hyphenate(word)
