"""Punctuation a speech recognizer put after a word that cannot end a sentence.

Whisper writes a half sentence it decoded alone, at a pause, as a whole one ("Can you tell me
how to get to?"), and the detector, which learned from written turns, trusts the final mark.
After a word that needs more words (an article, a preposition, a conjunction) the mark says
nothing, so it is dropped, unless a wh-word or a relative "that" may be what a final
preposition belongs to ("What is this for?", "the one that I asked for.").
"""

from __future__ import annotations

import re

DANGLING_WORDS = frozenset({
    "a", "an", "the", "my", "your", "our", "his", "their", "its", "every", "each", "another",
    "to", "for", "at", "with", "from", "of", "into", "near", "between", "than", "without",
    "towards", "onto", "per", "during", "across", "via", "until", "till",
    "and", "or", "but", "nor", "plus", "because", "if", "when", "while", "although", "though",
    "unless", "whether",
})
"""Words after which a sentence goes on (particles like "in", "on", "up" are left out: "log
in.", "turn it on." end sentences)."""

STRANDING_WORDS = frozenset({"what", "who", "whom", "which", "where", "whose", "that"})
"""Words a final preposition may belong to."""

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_FINAL_MARKS = ".?!…"


def drop_dangling_punctuation(text: str) -> str:
    """``text`` without its final punctuation when its last word cannot end a sentence."""
    words = _WORD.findall(text.lower())
    if not words or words[-1] not in DANGLING_WORDS or STRANDING_WORDS.intersection(words):
        return text
    return text.rstrip().rstrip(_FINAL_MARKS)
