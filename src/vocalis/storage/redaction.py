"""Personal data out of the call history: a redactor is applied to every piece of text before it
is written (database and spool alike).

``redact_pii`` is a ready-made redactor for the obvious cases: e-mail addresses, payment card
numbers (checked with the Luhn sum), phone numbers and US social security numbers. Pass your
own ``Redactor`` (any ``str -> str``) to ``StorageConfig(redact=...)`` for names, addresses or
anything domain-specific; ``redact_value`` applies one to nested tool arguments.
"""

from __future__ import annotations

import re
from typing import Any

from .config import Redactor

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
PHONE = re.compile(r"(?<![\w+])\+?\d[\d ().-]{6,}\d\b")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[card]" if 13 <= len(digits) <= 19 and _luhn_valid(digits) else match.group()


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = re.sub(r"\D", "", text)
    if DATE.fullmatch(text.strip()) or not 7 <= len(digits) <= 15:
        return text
    return "[phone]"


def redact_pii(text: str) -> str:
    """``text`` with e-mails, card numbers, SSNs and phone numbers replaced by placeholders."""
    text = EMAIL.sub("[email]", text)
    text = CARD.sub(_card, text)
    text = SSN.sub("[ssn]", text)
    return PHONE.sub(_phone, text)


def redact_value(value: Any, redact: Redactor | None) -> Any:
    """``value`` (text, or lists and dicts of them) with ``redact`` applied to every string."""
    if redact is None or value is None:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item, redact) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(item, redact) for item in value]
    return value
