"""Writing-system helpers: guess a language hint from the script, normalise language codes.

``detect_script`` only picks abbreviation sets and Greek ``;`` handling; it never limits which
terminators count, so a wrong guess costs little.
"""

from __future__ import annotations

import re

# (language hint, characters of its script). Kana and Hangul are checked first: Japanese and
# Korean text also contains Han characters, which alone map to Chinese.
_SCRIPT_RANGES: list[tuple[str, re.Pattern[str]]] = [
    (code, re.compile(f"[{chars}]"))
    for code, chars in [
        ("ja", "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"),
        ("ko", "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"),
        ("zh", "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff"),
        ("hi", "\u0900-\u097f"),
        ("bn", "\u0980-\u09ff"),
        ("pa", "\u0a00-\u0a7f"),
        ("gu", "\u0a80-\u0aff"),
        ("or", "\u0b00-\u0b7f"),
        ("ta", "\u0b80-\u0bff"),
        ("te", "\u0c00-\u0c7f"),
        ("kn", "\u0c80-\u0cff"),
        ("ml", "\u0d00-\u0d7f"),
        ("si", "\u0d80-\u0dff"),
        ("th", "\u0e00-\u0e7f"),
        ("lo", "\u0e80-\u0eff"),
        ("bo", "\u0f00-\u0fff"),
        ("my", "\u1000-\u109f"),
        ("ka", "\u10a0-\u10ff"),
        ("am", "\u1200-\u139f"),
        ("km", "\u1780-\u17ff"),
        ("ar", "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"),
        ("he", "\u0590-\u05ff"),
        ("el", "\u0370-\u03ff\u1f00-\u1fff"),
        ("ru", "\u0400-\u04ff"),
        ("hy", "\u0530-\u058f"),
    ]
]

#: Scripts written without spaces between words (CJK, Thai, Lao, Myanmar, Khmer).
NO_SPACE_SCRIPTS_REGEX = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f"
    "\u1780-\u17ff\u3000-\u303f\uff00-\uffef]"
)


def detect_script(sample: str, *, default: str = "en") -> str:
    """Return an ISO 639-1 hint from the non-Latin scripts in ``sample`` (``default`` if none)."""
    counts = {code: len(pattern.findall(sample)) for code, pattern in _SCRIPT_RANGES}
    counts = {code: n for code, n in counts.items() if n}
    if not counts:
        return default
    for preferred in ("ja", "ko"):
        if preferred in counts:
            return preferred
    return max(counts, key=lambda code: counts[code])


def normalize_lang_code(code: str | None) -> str | None:
    """Reduce a locale to its language: ``"en-US"`` → ``"en"``; empty or ``"auto"`` → None."""
    if not code:
        return None
    base = code.split("-", 1)[0].split("_", 1)[0].strip().lower()
    if not base or base == "auto":
        return None
    return base
