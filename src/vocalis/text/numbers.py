"""Numbers as words: English cardinals, ordinals, decimals and years, for TTS engines that misread digits.

``expand_cardinals`` rewrites the numbers of a text; languages without a verbalizer keep their
digits, which TTS engines read well in their own language. Phone numbers, long digit runs and
digits glued to letters (IDs, "4K", "B2B") are left alone.
"""

from __future__ import annotations

import re

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_IRREGULAR = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}
#: Words after which a four-digit number reads as a year ("in 1999").
YEAR_CONTEXT_WORDS = r"in|since|by|until|till|from|year|before|after|around|circa|of|during"
_YEAR_CONTEXT = re.compile(rf"\b(?:{YEAR_CONTEXT_WORDS})\s+$", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?<![\w.,:/\-])(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(st|nd|rd|th)?(?![\w.,:/-]?\d)(?![^\W\d_])"
)

VERBALIZE_LANGS: frozenset[str] = frozenset({"en"})


def _below_thousand(n: int) -> str:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(f"{_ONES[hundreds]} hundred")
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest or not hundreds:
        words.append(_ONES[rest])
    return " ".join(words)


def number_to_words_en(n: int) -> str:
    """English cardinal: 1234 → "one thousand two hundred thirty-four"."""
    if n < 0:
        return "minus " + number_to_words_en(-n)
    if n < 1000:
        return _below_thousand(n)
    words: list[str] = []
    for value, name in _SCALES:
        if n >= value:
            count, n = divmod(n, value)
            words.append(f"{number_to_words_en(count)} {name}")
    if n:
        words.append(_below_thousand(n))
    return " ".join(words)


def ordinal_to_words_en(n: int) -> str:
    """English ordinal: 21 → "twenty-first"."""
    words = number_to_words_en(n)
    head, sep, last = words.rpartition("-") if "-" in words.split(" ")[-1] else words.rpartition(" ")
    if last in _ORDINAL_IRREGULAR:
        last = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return f"{head}{sep}{last}"


def year_to_words_en(n: int) -> str:
    """English year reading: 1999 → "nineteen ninety-nine", 2005 → "two thousand five"."""
    if 2000 <= n <= 2009:
        return number_to_words_en(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{number_to_words_en(high)} hundred"
    low_words = f"oh {_ONES[low]}" if low < 10 else number_to_words_en(low)
    return f"{number_to_words_en(high)} {low_words}"


def _verbalize_en(match: re.Match[str]) -> str:
    sign, integer, fraction, suffix = match.groups()
    digits = integer.replace(",", "")
    if "," not in integer and len(digits) > 6:
        return match.group()  # account numbers and IDs read better as digits
    value = int(digits)
    if suffix:
        return ordinal_to_words_en(value) if not sign and not fraction else match.group()
    if (
        not sign
        and not fraction
        and len(integer) == 4
        and 1100 <= value <= 2099
        and _YEAR_CONTEXT.search(match.string, 0, match.start())
    ):
        return year_to_words_en(value)
    words = number_to_words_en(value)
    if fraction:
        words += " point " + " ".join(_ONES[int(d)] for d in fraction)
    return ("minus " if sign else "") + words


def expand_cardinals(text: str, language: str | None = "en") -> str:
    """Spell out the numbers of ``text`` in ``language`` (unchanged where unsupported)."""
    if (language or "en") not in VERBALIZE_LANGS and language not in ("auto", ""):
        return text
    return _NUMBER.sub(_verbalize_en, text)
