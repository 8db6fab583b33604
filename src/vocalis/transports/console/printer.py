"""What the console shows: the user's final transcripts and the agent's replies, one a line."""

from __future__ import annotations

import sys
from typing import Any, TextIO

USER_PREFIX = "you: "
AGENT_PREFIX = "agent: "


class TranscriptPrinter:
    """Writes session events to ``out`` (default ``sys.stdout``) as readable lines."""

    def __init__(self, out: TextIO | None = None, *, show_states: bool = False) -> None:
        self.out = out
        self.show_states = show_states

    def write(self, line: str) -> None:
        out = self.out if self.out is not None else sys.stdout
        out.write(line + "\n")
        out.flush()

    def on_event(self, name: str, payload: Any, *, echo_user: bool = True) -> None:
        payload = payload if isinstance(payload, dict) else {}
        if name == "user_transcript" and payload.get("is_final") and echo_user:
            self.write(USER_PREFIX + str(payload.get("text", "")))
        elif name == "agent_text":
            self.write(AGENT_PREFIX + str(payload.get("text", "")))
        elif name == "interrupted":
            self.write("[interrupted]")
        elif name == "error":
            self.write(f"[error] {payload.get('source', '')}: {payload.get('error', '')}")
        elif name == "agent_state_changed" and self.show_states:
            self.write(f"[agent {payload.get('state')}]")
