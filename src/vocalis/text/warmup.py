"""``pre_warm_tokenizer``: load the text tables ahead of the first reply."""

from __future__ import annotations

from .chunker import BasicSentenceChunker
from .hyphenation import hyphenate_english
from .indic import IndicSentenceChunker
from .text_filter import BasicTextFilter


def pre_warm_tokenizer() -> None:
    """Build the chunkers', filters' and hyphenator's tables now (call it at worker start, as
    in the reference, so the first sentence of the first call does not pay for them)."""
    BasicSentenceChunker().tokenize("Warm up. The tables load once.")
    IndicSentenceChunker().tokenize("नमस्ते। आप कैसे हैं?")
    BasicTextFilter.for_language("en")
    hyphenate_english("hyphenation")
