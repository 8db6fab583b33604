"""Emoji removal: pictographs, flags, keycaps and their joiners are never spoken.

Punctuation that shares the emoji blocks ("‼", "⁉") is kept: it still ends sentences.
"""

from __future__ import annotations

import re

EMOJI_REGEX = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, flags, symbols and pictographs
    "\u2600-\u27bf"  # miscellaneous symbols, dingbats
    "\u2b00-\u2bff"  # arrows and stars used as emoji (⬆ ⭐)
    "\u2300-\u23ff"  # technical symbols used as emoji (⌚ ⏰)
    "\u2190-\u21ff"  # arrows
    "\u3030\u303d\u3297\u3299"
    "\u200d\ufe0e\ufe0f\u20e3"  # joiner, variation selectors, keycap
    "\U000e0020-\U000e007f"  # tag characters (subdivision flags)
    "]+"
)


def strip_emoji(text: str) -> str:
    """Remove every emoji sequence from ``text``."""
    return EMOJI_REGEX.sub("", text)
