"""One pass of clean-up that turns a piece of written LLM text into text to be spoken.

``clean_for_speech`` applies the steps of ``BasicTextFilter`` in the reference's order, each
behind its option. The piece's leading and trailing whitespace is kept, so pieces cleaned one by
one still join with the right spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .currency import expand_currency
from .emoji import strip_emoji
from .markdown import collapse_script_parens, strip_markdown, strip_metadata
from .numbers import expand_cardinals
from .protect import EMAIL_REGEX, PATH_REGEX, URL_REGEX, VERSION_REGEX, Placeholders
from .verbalize import (
    SPELL_LONG_DIGITS_REGEX,
    SPELL_PHONE_REGEX,
    apply_ssml_flavor,
    expand_numeric_ranges,
    expand_symbols,
)

_STRUCTURAL = (URL_REGEX, EMAIL_REGEX, PATH_REGEX, VERSION_REGEX)
_SPELL_TAG = re.compile(r"<spell>.*?</spell>")
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
_ELLIPSIS = re.compile(r"\.{3,}")
_SPACED_DASH = re.compile(r"[ \t]+(?:-{1,2}|–)[ \t]+")
_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([,.;:!?])(?=\s|$)")
_LINE_EDGE_SPACES = re.compile(r"[ \t]*\n[ \t]*")
_LINE_GUARD = "\x02"


@dataclass(frozen=True)
class SpeechTextOptions:
    """Which clean-up steps run, and for which language (None means auto / English words)."""

    language: str | None = None
    strip_markdown: bool = True
    strip_llm_metadata: bool = True
    collapse_script_parens: bool = True
    normalise_punctuation: bool = True
    expand_symbols: bool = True
    expand_ranges: bool = True
    protect_structural: bool = True
    ssml_flavor: str = "none"
    verbalize_currency: bool = True
    verbalize_numbers: bool = False
    currency_hint: str | None = None


def _is_phone(value: str) -> bool:
    return sum(c.isdigit() for c in value) >= 7


def clean_for_speech(text: str, options: SpeechTextOptions, *, at_line_start: bool = True) -> str:
    """Clean ``text``; ``at_line_start`` says whether it begins a line (for Markdown markers)."""
    if not text.strip():
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    body = text if at_line_start else _LINE_GUARD + text
    lang = options.language
    words_lang = lang or "en"
    holder = Placeholders()
    if options.protect_structural:
        body = holder.protect(body, _STRUCTURAL)
    if options.strip_llm_metadata:
        body = strip_metadata(body)
    if options.strip_markdown:
        body = strip_emoji(strip_markdown(body))
    if options.collapse_script_parens:
        body = collapse_script_parens(body)
    if options.normalise_punctuation:
        body = _SPACED_DASH.sub(" — ", _ELLIPSIS.sub("…", body))
    body = apply_ssml_flavor(body, options.ssml_flavor)
    body = holder.protect(body, (_SPELL_TAG,))
    body = holder.protect_where(body, SPELL_PHONE_REGEX, _is_phone)
    body = holder.protect(body, (SPELL_LONG_DIGITS_REGEX, _TIME))
    if options.expand_ranges:
        wide = not (words_lang == "en" and options.ssml_flavor != "cartesia")
        body = expand_numeric_ranges(body, words_lang, wide=wide)
    if options.verbalize_currency:
        body = expand_currency(body, words_lang, hint=options.currency_hint)
    if options.verbalize_numbers:
        body = expand_cardinals(body, words_lang)
    if options.expand_symbols:
        body = expand_symbols(body, words_lang)
    body = holder.restore(body)
    body = body.replace(_LINE_GUARD, "")
    body = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", body))
    body = _LINE_EDGE_SPACES.sub("\n", body)
    body = body.strip()
    if not body:
        spacing = lead + trail
        return "\n" if "\n" in spacing else " " if spacing else ""
    return lead + body + trail
