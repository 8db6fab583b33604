"""Removal of what is written for the eye: Markdown syntax, leaked LLM metadata, script glosses.

Each function takes a piece of text and returns what should be spoken. Link text, inline code
text and emphasised words are kept; images, fenced code and markers are dropped.
"""

from __future__ import annotations

import re

#: Opens (and closes) a fenced code block: ``` anywhere, ~~~ at a line start.
FENCE_REGEX = re.compile(r"```|(?m:^[ \t]*~~~)")

_FENCED_BLOCK = re.compile(r"```.*?```|(?m:^[ \t]*~~~).*?(?m:^[ \t]*~~~)", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_REF_LINK = re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]")
_INLINE_CODE = re.compile(r"`+([^`\n]+?)`+")
_HTML_TAG = re.compile(
    r"</?(?:br|p|div|span|b|i|em|strong|u|s|sup|sub|code|pre|a|ul|ol|li|h[1-6]|table|tr|td|th|"
    r"thead|tbody|blockquote|hr)\b[^<>]*/?>",
    re.IGNORECASE,
)
_HEADING = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]+|[ \t]+#{1,6}[ \t]*$")
_LIST_MARKER = re.compile(r"(?m)^[ \t]*(?:[-*+•▪‣◦]|\d{1,3}[.)])[ \t]+")
_BLOCKQUOTE = re.compile(r"(?m)^[ \t]*(?:>[ \t]?)+")
_RULE_LINE = re.compile(r"(?m)^[ \t]*(?:[-*_=][ \t]*){3,}$")
_TABLE_SEPARATOR = re.compile(r"(?<!\S)\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+(?:[ \t]*:?-{3,}:?)?\|?(?!\S)")
_DASH_RUN = re.compile(r"(?<!\S)[-=_|:]{3,}(?!\S)")
_TABLE_PIPE = re.compile(r"[ \t]*\|[ \t]*")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_ITALIC_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
_STRAY_STARS = re.compile(r"\*+")
_STRAY_UNDERSCORES = re.compile(r"(?<!\w)_+|_+(?!\w)")
_STRAY_BACKTICKS = re.compile(r"`+")

METADATA_PARENS_REGEX = re.compile(r"\(\s*[A-Z][A-Z0-9_ ]{2,}:[^()]*?=[^()]*\)")
METADATA_PREFIX_REGEX = re.compile(r"(?m)^[ \t]*[A-Z][A-Z0-9_ ]{2,}:[ \t]*\w+=[^\n]*(?:\n|$)")

SCRIPT_MIXED_PAREN_REGEX = re.compile(r"\(([^()]*[^\x00-\x7f][^()]*)\)")
_LATIN_WORD_BEFORE = re.compile(r"[A-Za-z0-9]+[ \t]*$")


def _drop_stray_stars(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if before.isdigit() or after.isdigit() or (before == " " and after == " "):
        return match.group()  # arithmetic ("2*3", "4 * 5") is left to symbol expansion
    return ""


def strip_markdown(text: str) -> str:
    """Remove Markdown syntax, keeping the words a listener needs."""
    text = _FENCED_BLOCK.sub(" ", text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _INLINE_CODE.sub(r"\1", text)
    text = _HTML_TAG.sub(" ", text)
    text = _RULE_LINE.sub("", text)
    text = _TABLE_SEPARATOR.sub(" ", text)
    text = _DASH_RUN.sub(" ", text)
    text = _HEADING.sub("", text)
    text = _LIST_MARKER.sub("", text)
    text = _BLOCKQUOTE.sub("", text)
    text = _TABLE_PIPE.sub(" ", text)
    for _ in range(2):  # nested emphasis: ***x*** and **_x_**
        text = _BOLD.sub(r"\2", text)
        text = _STRIKE.sub(r"\1", text)
        text = _ITALIC_STAR.sub(r"\1", text)
        text = _ITALIC_UNDERSCORE.sub(r"\1", text)
    text = _STRAY_STARS.sub(_drop_stray_stars, text)
    text = _STRAY_UNDERSCORES.sub("", text)
    return _STRAY_BACKTICKS.sub("", text)


def strip_metadata(text: str) -> str:
    """Remove leaked state dumps: "(SESSION STATE: lang=en)" and "STATE: language=en" lines."""
    text = METADATA_PARENS_REGEX.sub("", text)
    return METADATA_PREFIX_REGEX.sub("", text)


def collapse_script_parens(text: str) -> str:
    """Replace "English words (gloss)" by the gloss: "Tally (टैली)" → "टैली".

    The gloss has N words, so the N Latin words just before it are what it translates; with
    fewer Latin words there, the text is left alone.
    """
    out: list[str] = []
    cursor = 0
    for match in SCRIPT_MIXED_PAREN_REGEX.finditer(text):
        gloss = match.group(1).strip()
        count = len(gloss.split())
        head = text[cursor : match.start()]
        cut = len(head)
        for _ in range(count):
            word = _LATIN_WORD_BEFORE.search(head, 0, cut)
            if word is None:
                cut = -1
                break
            cut = word.start()
        if cut < 0 or not gloss:
            out.append(text[cursor : match.end()])
        else:
            out.append(head[:cut] + gloss)
        cursor = match.end()
    out.append(text[cursor:])
    return "".join(out)
