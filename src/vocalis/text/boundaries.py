"""The sentence-boundary scan behind ``BasicSentenceChunker``.

``split_raw`` cuts a text into raw segments (whitespace kept); the last one is the unconfirmed
remainder. Every cut depends only on the text before it and on the next visible character, so
streaming a text piece by piece makes exactly the cuts that one call on the whole text makes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .protect import protected_mask
from .terminators import (
    CLOSERS,
    CLOSING_QUOTES,
    MAX_QUOTE_SPAN,
    OPENING_QUOTES,
    PERIOD_LIKE,
    SPACED_TERMINATORS,
    STRAIGHT_QUOTE,
)


@dataclass(frozen=True)
class SplitRules:
    """What counts as a boundary for one language."""

    strong: frozenset[str]
    weak: frozenset[str]
    min_sentence_len: int
    abbreviations: frozenset[str]


@lru_cache(maxsize=64)
def _candidate_regex(strong: frozenset[str], weak: frozenset[str]) -> re.Pattern[str]:
    chars = set(strong) | set(weak) | set(OPENING_QUOTES) | set(CLOSING_QUOTES) | {STRAIGHT_QUOTE}
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")


def _is_ellipsis(run: str) -> bool:
    return "…" in run or run.count(".") >= 2


class _Scan:
    """State of one left-to-right pass: current segment start and the open quote, if any."""

    def __init__(self, text: str, rules: SplitRules) -> None:
        self.text = text
        self.rules = rules
        self.mask = protected_mask(text, rules.abbreviations)
        self.segments: list[str] = []
        self.start = 0
        self.quote_at = -1

    def cut(self, end: int, next_start: int) -> None:
        self.segments.append(self.text[self.start : end])
        self.start = next_start
        self.quote_at = -1

    def in_quote(self, index: int) -> bool:
        return self.quote_at >= 0 and index - self.quote_at <= MAX_QUOTE_SPAN

    def track_quote(self, ch: str, index: int) -> None:
        if ch in OPENING_QUOTES:
            if self.quote_at < 0:
                self.quote_at = index
        elif ch in CLOSING_QUOTES:
            self.quote_at = -1
        elif ch == STRAIGHT_QUOTE:
            self.quote_at = -1 if self.quote_at >= 0 else index

    def long_enough(self, end: int) -> bool:
        return len(self.text[self.start : end].strip()) >= self.rules.min_sentence_len


def split_raw(text: str, rules: SplitRules) -> list[str]:
    """Raw segments of ``text``; the last item is the remainder (possibly empty)."""
    scan = _Scan(text, rules)
    strong, weak = rules.strong, rules.weak
    candidates = _candidate_regex(strong, weak)
    n = len(text)
    i = 0
    while (found := candidates.search(text, i)) is not None:
        i = found.start()
        ch = text[i]
        if ch == "\n" and ch in strong:
            look = i
            while look < n and text[look].isspace():
                look += 1
            scan.cut(i, look)
            i = look
            continue
        if ch not in strong and ch not in weak:
            scan.track_quote(ch, i)
            i += 1
            continue
        if scan.mask[i]:
            i += 1
            continue
        is_strong = ch in strong
        same_class = strong if is_strong else weak
        j = i + 1
        while j < n and text[j] in same_class and text[j] != "\n":
            j += 1
        run = text[i:j]
        closed_quote = False
        closers = 0
        while j < n and text[j] in CLOSERS:
            if text[j] in CLOSING_QUOTES or text[j] == STRAIGHT_QUOTE:
                closed_quote = closed_quote or scan.in_quote(j)
                scan.quote_at = -1
            closers += 1
            j += 1
        if j >= n:
            break
        if scan.in_quote(i) and not closed_quote:
            i = j
            continue
        if ch in SPACED_TERMINATORS and not text[j].isspace():
            i = j
            continue
        look = j
        saw_newline = False
        while look < n and text[look].isspace():
            saw_newline = saw_newline or text[look] == "\n"
            look += 1
        if saw_newline:
            scan.cut(j, look)
            i = look
            continue
        ellipsis = is_strong and _is_ellipsis(run)
        needs_visible = closers > 0 or ellipsis or (is_strong and ch in PERIOD_LIKE)
        if look >= n and needs_visible:
            break
        visible = text[look] if look < n else ""
        if ellipsis:
            ok = visible.isupper() and scan.long_enough(j)
        elif is_strong:
            ok = not (needs_visible and visible.islower())
        else:
            ok = scan.long_enough(j) and not (closers > 0 and visible.islower())
        if ok:
            scan.cut(j, j)
            i = look
        else:
            i = j
    scan.segments.append(text[scan.start :])
    return scan.segments


def ends_with_confirmable_terminator(text: str, rules: SplitRules) -> bool:
    """Whether ``text`` ends with a strong terminator that is not part of a protected span."""
    body = text.rstrip()
    end = len(body)
    while end > 0 and body[end - 1] in CLOSERS:
        end -= 1
    if end == 0 or body[end - 1] not in rules.strong:
        return False
    mask = protected_mask(body, rules.abbreviations)
    return not mask[end - 1]
