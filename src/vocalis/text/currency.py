"""Money as a person says it: "$3.50" → "3 dollars and 50 cents", "€10" → "10 euros".

Symbols ($ € £ ₹ ¥), "Rs." and ISO codes (USD, EUR, GBP, INR, JPY, CNY), before or after the
amount, with scale words ("$5 million" → "5 million dollars"). Unit words follow the language;
the amount keeps its digits, so that cardinal expansion can spell it afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SYMBOLS = {"$": "usd", "€": "eur", "£": "gbp", "₹": "inr", "¥": "jpy", "￥": "jpy"}
_CODES = {"usd": "usd", "us$": "usd", "eur": "eur", "gbp": "gbp", "inr": "inr", "rs": "inr",
          "rs.": "inr", "jpy": "jpy", "cny": "cny", "rmb": "cny"}


@dataclass(frozen=True)
class _Unit:
    major: tuple[str, str]  # singular, plural
    minor: tuple[str, str] | None


# language -> currency -> unit words; "and" joins major and minor parts.
_UNITS: dict[str, dict[str, _Unit]] = {
    "en": {
        "usd": _Unit(("dollar", "dollars"), ("cent", "cents")),
        "eur": _Unit(("euro", "euros"), ("cent", "cents")),
        "gbp": _Unit(("pound", "pounds"), ("penny", "pence")),
        "inr": _Unit(("rupee", "rupees"), ("paisa", "paise")),
        "jpy": _Unit(("yen", "yen"), None),
        "cny": _Unit(("yuan", "yuan"), ("fen", "fen")),
    },
    "es": {
        "usd": _Unit(("dólar", "dólares"), ("centavo", "centavos")),
        "eur": _Unit(("euro", "euros"), ("céntimo", "céntimos")),
        "gbp": _Unit(("libra", "libras"), ("penique", "peniques")),
        "inr": _Unit(("rupia", "rupias"), ("paisa", "paisas")),
        "jpy": _Unit(("yen", "yenes"), None),
        "cny": _Unit(("yuan", "yuanes"), None),
    },
    "fr": {
        "usd": _Unit(("dollar", "dollars"), ("cent", "cents")),
        "eur": _Unit(("euro", "euros"), ("centime", "centimes")),
        "gbp": _Unit(("livre", "livres"), ("penny", "pence")),
        "inr": _Unit(("roupie", "roupies"), ("paisa", "paisas")),
        "jpy": _Unit(("yen", "yens"), None),
        "cny": _Unit(("yuan", "yuans"), None),
    },
    "de": {
        "usd": _Unit(("Dollar", "Dollar"), ("Cent", "Cent")),
        "eur": _Unit(("Euro", "Euro"), ("Cent", "Cent")),
        "gbp": _Unit(("Pfund", "Pfund"), ("Penny", "Pence")),
        "inr": _Unit(("Rupie", "Rupien"), ("Paisa", "Paise")),
        "jpy": _Unit(("Yen", "Yen"), None),
        "cny": _Unit(("Yuan", "Yuan"), None),
    },
    "hi": {
        "usd": _Unit(("डॉलर", "डॉलर"), ("सेंट", "सेंट")),
        "eur": _Unit(("यूरो", "यूरो"), ("सेंट", "सेंट")),
        "gbp": _Unit(("पाउंड", "पाउंड"), ("पेंस", "पेंस")),
        "inr": _Unit(("रुपया", "रुपये"), ("पैसा", "पैसे")),
        "jpy": _Unit(("येन", "येन"), None),
        "cny": _Unit(("युआन", "युआन"), None),
    },
}
_JOINERS = {"en": "and", "es": "con", "fr": "et", "de": "und", "hi": "और"}
_SCALE_WORDS = (
    r"thousand|million|billion|trillion|[kKmMbB]|bn|mil|millones|millón|mille|millions?|milliards?|"
    r"Millionen|Million|Milliarden|Milliarde|Tausend|lakh|crore|लाख|करोड़|हज़ार"
)
_SCALE_ABBREVIATIONS = {"k": "thousand", "m": "million", "b": "billion", "bn": "billion"}
# Languages that write 3,50 € rather than $3.50.
_DECIMAL_COMMA_LANGS = frozenset({"es", "fr", "de", "it", "pt", "nl", "ru", "pl", "tr"})

_AMOUNT = r"\d[\d,.\u00a0\u202f']*\d|\d"
_PREFIX_SIGN = re.compile(
    rf"(?<![\w$€£₹¥])(?P<cur>US\$|[$€£₹¥￥]|(?:USD|EUR|GBP|INR|JPY|CNY|RMB|Rs\.?)\s?)"
    rf"(?P<amt>{_AMOUNT})(?:\s?(?P<scale>{_SCALE_WORDS})\b)?",
)
_SUFFIX_SIGN = re.compile(
    rf"(?<![\w.,])(?P<amt>{_AMOUNT})(?:\s?(?P<scale>{_SCALE_WORDS})\b)?"
    rf"\s?(?P<cur>[€£₹¥￥]|(?:USD|EUR|GBP|INR|JPY|CNY)\b)"
)


def _split_amount(amount: str, language: str) -> tuple[str, str | None]:
    """Integer part (grouping kept) and a two-digit minor part, if the amount has one."""
    decimal_mark = "," if language in _DECIMAL_COMMA_LANGS else "."
    head, sep, tail = amount.rpartition(decimal_mark)
    if sep and tail.isdigit() and len(tail) <= 2 and head:
        return head, tail.ljust(2, "0")
    return amount, None


def _is_one(integer: str) -> bool:
    return integer.strip() in ("1", "01")


def expand_currency(text: str, language: str | None = "en", *, hint: str | None = None) -> str:
    """Rewrite money amounts in ``text`` with the unit words of ``language``.

    ``hint`` resolves ambiguous signs: with ``"cny"``, "¥" is yuan rather than yen.
    """
    lang = language if language in _UNITS else "en"
    units = _UNITS[lang]
    joiner = _JOINERS[lang]

    def currency_of(sign: str) -> str:
        key = sign.strip().lower()
        code = _SYMBOLS.get(sign.strip()) or _CODES.get(key, "usd")
        if code == "jpy" and hint == "cny":
            return "cny"
        return code

    def speak(match: re.Match[str]) -> str:
        unit = units[currency_of(match.group("cur"))]
        integer, minor = _split_amount(match.group("amt"), lang)
        scale = match.group("scale")
        if scale:
            scale_word = _SCALE_ABBREVIATIONS.get(scale.lower(), scale)
            return f"{match.group('amt')} {scale_word} {unit.major[1]}"
        major = unit.major[0] if _is_one(integer) else unit.major[1]
        if minor is None or unit.minor is None:
            amount = integer if minor is None else f"{integer}.{minor}"
            return f"{amount} {major}"
        cents = int(minor)
        minor_word = unit.minor[0] if cents == 1 else unit.minor[1]
        if int(integer.replace(",", "").replace(".", "") or 0) == 0:
            return f"{cents} {minor_word}"
        if cents == 0:
            return f"{integer} {major}"
        return f"{integer} {major} {joiner} {cents} {minor_word}"

    text = _PREFIX_SIGN.sub(speak, text)
    return _SUFFIX_SIGN.sub(speak, text)
