"""``sanitize_text``: make any incoming string safe to keep, send and speak.

Text from outside (typed messages, transcripts, tool results, model output) may carry lone
UTF-16 surrogates (``"\\ud800"``), which no UTF-8 encoder accepts: one such character in the
chat history makes every later LLM request fail. Control characters other than tab and
newlines are dropped too; they mean nothing to a model or a voice.
"""

from __future__ import annotations

import re

REPLACEMENT_CHARACTER = "\ufffd"

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sanitize_text(text: str) -> str:
    """``text`` with surrogate pairs joined, lone surrogates replaced by U+FFFD and control
    characters (except tab, newline, carriage return) removed; clean text is returned as is."""
    if _SURROGATE.search(text) is not None:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if _CONTROL.search(text) is not None:
        text = _CONTROL.sub("", text)
    return text


def is_clean_text(text: str) -> bool:
    """Whether ``sanitize_text`` would leave ``text`` unchanged."""
    return _SURROGATE.search(text) is None and _CONTROL.search(text) is None
