"""Sentence terminators of many scripts, and the characters that follow them.

Strong terminators end a sentence; weak ones (commas, colons, dashes) may end a TTS segment once
it is long enough. Terminators in the ``SPACED_TERMINATORS`` set only count when whitespace
follows them, so "3.14", "example.com", "Yahoo!Mail" and "a,b" never split; the others
(CJK "。", Devanagari "।", …) are written without a following space and count at once.
"""

from __future__ import annotations

STRONG_TERMINATORS: str = (
    ".!?…‼⁇⁈⁉"  # Latin and general punctuation
    "。！？｡"  # CJK, full and half width
    "।॥"  # Devanagari danda and double danda (shared by other Indic scripts)
    "؟۔؞"  # Arabic question mark, Urdu full stop, Arabic triple dot
    "։"  # Armenian full stop
    "።፧፨"  # Ethiopic
    "།༎༏༐༑"  # Tibetan
    "။"  # Myanmar
    "។៕"  # Khmer
    "\n"
)

WEAK_TERMINATORS: str = (
    ",;:"
    "、，；："  # CJK
    "،؛"  # Arabic
    "՝՛"  # Armenian
    "፣፤፥"  # Ethiopic
    "་"  # Tibetan tsheg
    "၊"  # Myanmar
    "៖"  # Khmer
    "—–"  # em and en dash
)

#: Terminators that need whitespace after them to count (ambiguous inside numbers and words).
SPACED_TERMINATORS: frozenset[str] = frozenset(".!?…‼⁇⁈⁉;,:–·")

#: Terminators whose cut waits for the next visible character (a lowercase one vetoes it).
PERIOD_LIKE: frozenset[str] = frozenset(".…")

#: Characters kept with the sentence they close: "He said "Stop." Then..." cuts after the quote.
CLOSERS: frozenset[str] = frozenset("\"'”’»」』）)]")

#: Quotes that open and close speech; cuts inside an open quote are suppressed.
OPENING_QUOTES: frozenset[str] = frozenset("“«„「『")
CLOSING_QUOTES: frozenset[str] = frozenset("”»」』")
STRAIGHT_QUOTE = '"'

#: A quote left open for longer than this is treated as a stray mark, not quoted speech.
MAX_QUOTE_SPAN = 300

GREEK_QUESTION_MARK = ";"
GREEK_ANO_TELEIA = "·"
