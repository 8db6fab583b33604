"""The agent's reply in progress: its task, its speech, its handle and its figures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ..metrics import TurnMetrics
from .speech import Speech
from .utterance import UtteranceHandle


@dataclass
class ActiveReply:
    """One agent utterance (an LLM reply, a ``say`` or a reply with instructions)."""

    handle: UtteranceHandle
    metrics: TurnMetrics
    kind: str = "reply"
    add_to_chat_context: bool = True
    agent_id: str | None = None
    task: asyncio.Task[Any] | None = None
    speech: Speech | None = None
    finished: bool = False
    recorded: bool = False

    @property
    def interruptible(self) -> bool:
        return self.handle.is_interruptible and not self.handle.done()
