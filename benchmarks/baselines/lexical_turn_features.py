"""The previous turn detector's sparse text features (the benchmark's "before" baseline).

Features are short strings ("lw=for", "term=period", ...); the model maps each to a weight.
Pure Python: a transcript gives a few dozen features in microseconds.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})

#: Characters of text looked at from each end; longer transcripts are clipped, so the cost
#: of a call does not grow with the length of the text.
MAX_CHARS = 400

_CLASSES: dict[str, tuple[str, ...]] = {
    "art": ("a", "an", "the"),
    "det": (
        "my", "your", "our", "his", "her", "their", "its", "this", "these", "those", "some",
        "any", "every", "each", "another", "other", "which", "whose",
    ),
    "prep": (
        "for", "to", "at", "in", "on", "with", "from", "about", "of", "into", "by", "near",
        "before", "after", "until", "till", "between", "through", "under", "around", "via",
        "than", "without", "towards", "onto", "per", "during", "across", "behind", "except",
    ),
    "conj": (
        "and", "or", "but", "so", "because", "cause", "if", "when", "while", "although",
        "though", "unless", "whether", "since", "as", "nor", "plus", "also",
    ),
    "aux": (
        "is", "are", "was", "were", "am", "be", "been", "being", "have", "has", "had", "do",
        "does", "did", "can", "could", "would", "will", "should", "shall", "might",
        "must", "gonna", "wanna", "gotta", "want", "need", "like", "let", "get", "go",
    ),
    "subjaux": (
        "i'm", "i'd", "i'll", "i've", "it's", "that's", "there's", "we're", "you're",
        "they're", "he's", "she's", "what's", "where's", "who's", "let's", "we'll", "we'd",
        "it'll", "there'll", "here's", "how's", "when's",
    ),
    "subj": ("i", "we", "you", "they", "he", "she", "it", "there"),
    "obj": ("me", "him", "them", "us"),
    "filler": ("um", "uh", "er", "erm", "hmm", "uhm", "ah", "mm", "eh", "well", "like"),
    "wh": ("what", "where", "who", "why", "how"),
    "yesno": (
        "yes", "yeah", "yep", "yup", "no", "nope", "nah", "sure", "okay", "ok", "alright",
        "correct", "right", "absolutely",
    ),
    "polite": ("please", "thanks", "thank", "cheers", "bye", "goodbye"),
    "neg": ("not", "don't", "didn't", "doesn't", "can't", "won't", "isn't", "wasn't"),
    "num": (
        "zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
        "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
        "eighty", "ninety", "hundred", "thousand", "million", "double", "triple",
    ),
    "mod": (
        "next", "very", "same", "quite", "several", "extra", "whole", "entire", "following",
        "previous", "really", "pretty",
    ),
    "cat": (
        "keep", "keeps", "kept", "trying", "supposed", "able", "wants", "needs", "wanted",
        "planning", "hoping", "started", "starting", "tried", "wondering", "thinking",
    ),
    "spell": ("dot", "dash", "underscore", "slash", "hyphen"),
}
WORD_CLASS: dict[str, str] = {w: c for c, words in _CLASSES.items() for w in words}


_SO_PROFORM = ("think", "guess", "hope", "say", "suppose", "believe", "expect", "afraid", "said")


def words(text: str) -> list[str]:
    """Lower-cased words of ``text``, apostrophes unified, punctuation dropped."""
    return _WORD.findall(text.translate(_APOSTROPHES).lower())


def word_class(word: str) -> str:
    """A coarse part-of-speech-like class: function-word group, digit, short or word."""
    cls = WORD_CLASS.get(word)
    if cls is not None:
        return cls
    if word.isdigit():
        return "digit"
    if any(ch.isdigit() for ch in word):
        return "alnum"
    if len(word) == 1 or word == "<l>":
        return "letter"
    if word.endswith("ing"):
        return "ing"
    if word.endswith("ly"):
        return "ly"
    return "w"


def terminal(text: str) -> str:
    """How the transcript ends: period, question, exclaim, ellipsis, comma, dash or none."""
    tail = text.rstrip()[-3:]
    if not tail:
        return "none"
    if tail.endswith("...") or tail.endswith("\u2026"):
        return "ellipsis"
    last = tail[-1]
    return {
        ".": "period", "?": "question", "!": "exclaim", ",": "comma", ";": "comma",
        ":": "comma", "-": "dash", "\u2013": "dash", "\u2014": "dash",
    }.get(last, "none")


def _length_bucket(n: int) -> str:
    for limit, name in ((1, "1"), (2, "2"), (3, "3"), (5, "4-5"), (8, "6-8"), (12, "9-12")):
        if n <= limit:
            return name
    return "13+"


def _context_kind(context: str | None) -> str:
    """What the assistant last did: nothing, asked a wh/yes-no/choice question, or said something."""
    if not context or not context.strip():
        return "none"
    clipped = context.strip()[-MAX_CHARS:]
    if not clipped.endswith("?") and not clipped.lower().startswith(("press", "please say")):
        return "stmt"
    sentence = next((c for c in reversed(re.split(r"[.!?,;:]+", clipped)) if c.strip()), "")
    ws = words(sentence)
    if not ws:
        return "q"
    if " or " in f" {' '.join(ws)} ":
        return "q_choice"
    first = ws[0]
    if first in ("and", "so", "also", "now", "ok", "okay", "great", "sure", "thanks"):
        first = ws[1] if len(ws) > 1 else first
    if WORD_CLASS.get(first) == "wh" or first in ("which", "when") or first.startswith(
        ("what's", "where's", "who's", "how's", "when's")
    ):
        return "q_wh"
    if first in ("can", "could", "may") and any(w in ws for w in ("your", "have", "get")):
        return "q_wh"
    if first in ("please", "press", "say", "tell", "spell", "give"):
        return "q_wh"
    return "q_yn"


def extract(text: str, context: str | None = None) -> list[str]:
    """The features of a user transcript ``text`` said after assistant message ``context``."""
    head = text[:MAX_CHARS]
    tail = text[-MAX_CHARS:]
    ws = _mark_spelling(words(tail))
    feats = [f"term={terminal(text)}", f"ctx={_context_kind(context)}"]
    if not ws:
        return [*feats, "empty"]
    n = len(ws) if len(text) <= MAX_CHARS else 99
    ctx = feats[1][4:]
    last = ws[-1]
    prev = ws[-2] if len(ws) > 1 else "<s>"
    prev2 = ws[-3] if len(ws) > 2 else "<s>"
    lc, pc = word_class(last), word_class(prev) if prev != "<s>" else "<s>"
    head_words = words(head[:60]) or ws
    first = head_words[0]
    term = feats[0][5:]
    punctuated = any(ch in head or ch in tail for ch in ".,?!")
    feats += [
        f"lw={last}",
        f"lw2={prev} {last}",
        f"lw3={prev2} {prev} {last}",
        f"lc={lc}",
        f"lc2={pc} {lc}",
        f"lc3={word_class(prev2) if prev2 != '<s>' else '<s>'} {pc} {lc}",
        f"fw={first}",
        f"fc={word_class(first)}",
        f"len={_length_bucket(n)}",
        f"style={'punct' if punctuated else 'plain'}",
        f"term_lc={term} {lc}",
        f"ctx_len={ctx} {_length_bucket(n)}",
        f"ctx_lc={ctx} {lc}",
        f"ctx_fc={ctx} {word_class(first)}",
    ]
    if last == "so" and prev in _SO_PROFORM:
        feats.append("so_proform")
    if punctuated and term == "none":
        feats.append("punct_no_term")
    front = head_words[:6]
    if lc == "prep" and any(w in ("what", "who", "whom", "which", "what's", "who's") for w in front):
        feats.append("wh_stranded_prep")
    if lc in ("aux", "subj", "subjaux", "neg") and WORD_CLASS.get(first) in ("yesno", "neg"):
        feats.append("yesno_aux_end")
    if n <= 3 and all(word_class(w) in ("num", "digit", "letter") for w in ws):
        feats.append(f"short_code ctx={ctx}")
    feats += _ngrams(ws[-6:])
    return feats


def _mark_spelling(ws: list[str]) -> list[str]:
    """Replace letters spelled out one by one ("k o w a l s k i") by "<l>" so that a spelled
    "a" or "i" is not read as an article or a pronoun."""
    single = [len(w) == 1 and w.isalpha() for w in ws]
    out = list(ws)
    for i, is_single in enumerate(single):
        if is_single and ((i > 0 and single[i - 1]) or (i + 1 < len(ws) and single[i + 1])):
            out[i] = "<l>"
    return out


def _ngrams(window: Iterable[str]) -> list[str]:
    ws = list(window)
    grams = [f"u={w}" for w in ws]
    grams += [f"b={a} {b}" for a, b in itertools.pairwise(ws)]
    return grams
