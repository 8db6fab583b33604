"""Where the streaming text filter may cut its buffer without changing what is spoken.

A cut is safe at whitespace where every Markdown marker is closed and the words on both sides
are plain words: numbers, money, symbols and their neighbours ("15 €", "Rs. 200", "2 + 2",
"in 1999") stay in one piece, so every rewrite sees its whole context. After CJK punctuation a
cut is always safe. Lines that may be leaked state dumps ("STATE: language=en") wait for their
newline.
"""

from __future__ import annotations

import re

_PLAIN_WORD = re.compile(
    r"[*_~`\"“‘'\[]*[^\W\d_]+(?:[-'’.][^\W\d_]+)*\.?[*_~`\"”’'\].,!?;:…)]*"
)
_NEXT_WORD_START = re.compile(r"[*_~`\"“‘'\[]*[^\W\d_]")
_CJK_BREAKS = frozenset("。！？，、；：")
_PENDING_LABEL = re.compile(r"[ \t]*[A-Z][A-Z0-9_]*(?: [A-Z][A-Z0-9_]*)*(?::[ \t]*[^\s=]*)? ?")
_METADATA_LINE = re.compile(r"[ \t]*[A-Z][A-Z0-9_ ]{2,}:[ \t]*\w+=")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_OTHER_LETTER = re.compile(r"[^\W\d_A-Za-z]")

#: Words held back in mixed-script text, where "English words (gloss)" may follow.
GLOSS_HOLD_WORDS = 3


def _may_be_metadata(text: str, line_start: int, end: int) -> bool:
    line = text[line_start : end + 1]
    return bool(_PENDING_LABEL.fullmatch(line) or _METADATA_LINE.match(line))


def safe_cut(text: str, *, at_line_start: bool, hold_for_glosses: bool) -> int:
    """Length of the longest prefix of ``text`` that can be cleaned on its own (0: none)."""
    candidates: list[int] = []
    bold = ticks = brackets = parens = 0
    line_start = 0
    word_start = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "*_" and text.startswith(c * 2, i):
            bold ^= 1 if c == "*" else 2
            i += 2
            continue
        if c == "`":
            ticks ^= 1
        elif c == "[":
            brackets += 1
        elif c == "]":
            brackets = max(0, brackets - 1)
        elif c == "(":
            parens += 1
        elif c == ")":
            parens = max(0, parens - 1)
        elif c == "\n":
            bold = ticks = brackets = parens = 0
            candidates.append(i + 1)
            line_start = word_start = i + 1
        elif c.isspace():
            closed = not (bold or ticks or brackets or parens)
            if (
                closed
                and _PLAIN_WORD.fullmatch(text, word_start, i)
                and _NEXT_WORD_START.match(text, i + 1)
                and not ((line_start or at_line_start) and _may_be_metadata(text, line_start, i))
            ):
                candidates.append(i + 1)
            word_start = i + 1
        elif c in _CJK_BREAKS and not (bold or ticks or brackets or parens):
            candidates.append(i + 1)
        i += 1
    if hold_for_glosses and _LATIN_LETTER.search(text) and _OTHER_LETTER.search(text):
        candidates = candidates[:-GLOSS_HOLD_WORDS]
    return candidates[-1] if candidates else 0
