"""The local console: microphone and speaker (``ConsoleAudioRoom``) or typed text
(``ConsoleTextRoom``), with transcripts printed. ``vocalis console AGENT_FILE [--text]``."""

from __future__ import annotations

from typing import Any

from ..base import RoomConnection
from .audio import ConsoleAudioRoom, load_sounddevice
from .printer import TranscriptPrinter
from .text import ConsoleTextRoom, stdin_lines


def console_room(*, text: bool = False, **kwargs: Any) -> RoomConnection:
    """The console connection: text mode, or microphone and speaker."""
    return ConsoleTextRoom(**kwargs) if text else ConsoleAudioRoom(**kwargs)


__all__ = [
    "ConsoleAudioRoom",
    "ConsoleTextRoom",
    "TranscriptPrinter",
    "console_room",
    "load_sounddevice",
    "stdin_lines",
]
