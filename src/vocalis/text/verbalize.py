"""Symbols, ranges and phone numbers read aloud: "2-3" → "2 to 3", "50%" → "50 percent", "&" → "and".

Words come from per-language tables (English when a language has none). Phone numbers and long
digit runs can be spelled digit by digit for TTS engines (``ssml_flavor``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

RANGE_SEPARATOR_BY_LANG: dict[str, str] = {
    "en": "to", "es": "a", "fr": "à", "de": "bis", "it": "a", "pt": "a", "nl": "tot",
    "hi": "से", "ja": "から", "zh": "到", "ru": "до",
}
# Narrow: at most 3 digits a side, so "555-1234" stays a phone number. Wide: 4 digits (years).
RANGE_REGEX = re.compile(r"(?<![\w.,/+-])(\d{1,3})\s?[-–]\s?(\d{1,3})(?![\w/]|[.,:-]\d)")
RANGE_REGEX_WIDE = re.compile(r"(?<![\w.,/+-])(\d{1,4})\s?[-–]\s?(\d{1,4})(?![\w/]|[.,:-]\d)")

SPELL_PHONE_REGEX = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,5}(?:[\s.-]\d{2,5}){1,4}(?!\w)"
)
SPELL_LONG_DIGITS_REGEX = re.compile(r"(?<![\w.,])\d{7,}(?![\w.,]?\d)")
_MIN_PHONE_DIGITS = 7


def _phone_like(text: str) -> bool:
    return sum(c.isdigit() for c in text) >= _MIN_PHONE_DIGITS


def phone_regex_matches(text: str) -> list[re.Match[str]]:
    """Phone numbers in ``text``: digit groups with separators, seven digits or more."""
    return [m for m in SPELL_PHONE_REGEX.finditer(text) if _phone_like(m.group())]


def _digits_spaced(value: str) -> str:
    return " ".join(c for c in value if c.isdigit())


def apply_ssml_flavor(text: str, flavor: str) -> str:
    """``cartesia``: wrap phone numbers and long digit runs in ``<spell>``; ``digits``: space them."""
    if flavor not in ("cartesia", "digits"):
        return text

    def rewrite(value: str) -> str:
        return f"<spell>{value}</spell>" if flavor == "cartesia" else _digits_spaced(value)

    def phone(match: re.Match[str]) -> str:
        return rewrite(match.group()) if _phone_like(match.group()) else match.group()

    text = SPELL_PHONE_REGEX.sub(phone, text)
    return SPELL_LONG_DIGITS_REGEX.sub(lambda m: rewrite(m.group()), text)


def expand_numeric_ranges(text: str, language: str | None, *, wide: bool = False) -> str:
    """``N-M`` → ``N <to> M`` with the language's separator; unknown languages are skipped."""
    separator = RANGE_SEPARATOR_BY_LANG.get(language or "en")
    if separator is None:
        return text
    regex = RANGE_REGEX_WIDE if wide else RANGE_REGEX
    return regex.sub(lambda m: f"{m.group(1)} {separator} {m.group(2)}", text)


_Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def _rules(words: dict[str, str]) -> list[_Rule]:
    """Symbol rules for one language from its words."""
    return [
        (re.compile(r"\s?%"), f" {words['percent']}"),
        (re.compile(r"\s*°\s?C\b"), f" {words['degrees']} Celsius"),
        (re.compile(r"\s*°\s?F\b"), f" {words['degrees']} Fahrenheit"),
        (re.compile(r"\s*°"), f" {words['degrees']}"),
        (re.compile(r"#\s?(?=\d)"), f"{words['number']} "),
        (re.compile(r"(?<![\w&])#(?=[^\W\d_])"), f"{words['hashtag']} "),
        (re.compile(r"\s*&\s*"), f" {words['and']} "),
        (re.compile(r"(?<=\d)\s?\+(?=\s|$)"), f" {words['plus']}"),
        (re.compile(r"\s*\+\s*(?=\d)|(?<=\s)\+(?=\s)"), f" {words['plus']} "),
        (re.compile(r"\s*(?<![=!<>])=(?![=>])\s*"), f" {words['equals']} "),
        (re.compile(r"(?<=\d)\s?[x×*]\s?(?=\d)|\s[×*]\s"), f" {words['times']} "),
        (re.compile(r"\s*±\s*"), f" {words['plus_minus']} "),
        (re.compile(r"~\s?(?=\d)|≈\s?"), f"{words['about']} "),
        (re.compile(r"(?<!\w)@\s?(?=\w)|\s@\s"), f" {words['at']} "),
        (re.compile(r"\s(?:->|→|=>)\s"), f" {words['to']} "),
    ]


_WORDS: dict[str, dict[str, str]] = {
    "en": {"percent": "percent", "degrees": "degrees", "number": "number", "hashtag": "hashtag",
           "and": "and", "plus": "plus", "equals": "equals", "times": "times",
           "plus_minus": "plus or minus", "about": "about", "at": "at", "to": "to"},
    "es": {"percent": "por ciento", "degrees": "grados", "number": "número", "hashtag": "hashtag",
           "and": "y", "plus": "más", "equals": "es igual a", "times": "por",
           "plus_minus": "más o menos", "about": "aproximadamente", "at": "arroba", "to": "a"},
    "fr": {"percent": "pour cent", "degrees": "degrés", "number": "numéro", "hashtag": "hashtag",
           "and": "et", "plus": "plus", "equals": "égale", "times": "fois",
           "plus_minus": "plus ou moins", "about": "environ", "at": "arobase", "to": "à"},
    "de": {"percent": "Prozent", "degrees": "Grad", "number": "Nummer", "hashtag": "Hashtag",
           "and": "und", "plus": "plus", "equals": "gleich", "times": "mal",
           "plus_minus": "plus minus", "about": "etwa", "at": "at", "to": "bis"},
    "hi": {"percent": "प्रतिशत", "degrees": "डिग्री", "number": "नंबर", "hashtag": "हैशटैग",
           "and": "और", "plus": "प्लस", "equals": "बराबर", "times": "गुणा",
           "plus_minus": "प्लस माइनस", "about": "लगभग", "at": "एट", "to": "से"},
}
SYMBOL_EXPANSIONS: dict[str, list[_Rule]] = {lang: _rules(w) for lang, w in _WORDS.items()}
SYMBOL_EXPANSIONS_EN = SYMBOL_EXPANSIONS["en"]


def expand_symbols(text: str, language: str | None = "en") -> str:
    """Replace symbols by the words a reader would say (English for unlisted languages)."""
    rules = SYMBOL_EXPANSIONS.get(language or "en", SYMBOL_EXPANSIONS_EN)
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text
