"""Typed user text from a client: cleaned and bounded before it reaches a session.

Every transport that accepts typed messages passes them through ``accept_typed_text``. Text
that cannot be used (empty, or longer than ``RoomOptions.max_text_chars``) raises
``TextRejected``: the transport tells its client why and the session goes on.
"""

from __future__ import annotations

from ..text import sanitize_text

DEFAULT_MAX_TEXT_CHARS = 4000
"""Longest typed message accepted, in characters (``RoomOptions.max_text_chars``)."""


class TextRejected(ValueError):
    """A typed message the session will not take; ``reason`` is meant for the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def accept_typed_text(text: str, max_chars: int = DEFAULT_MAX_TEXT_CHARS) -> str:
    """``text`` sanitized (see ``vocalis.text.sanitize_text``) and stripped; ``TextRejected``
    when nothing is left or it is longer than ``max_chars``."""
    cleaned = sanitize_text(text).strip()
    if not cleaned:
        raise TextRejected("the message is empty")
    if len(cleaned) > max_chars:
        raise TextRejected(
            f"the message is {len(cleaned)} characters long; the limit is {max_chars}"
        )
    return cleaned
