"""The states a session reports for the agent and for the user."""

from __future__ import annotations

from enum import Enum, unique


@unique
class AgentState(Enum):
    STARTING = "starting"
    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    CLOSING = "closing"


@unique
class UserState(Enum):
    IDLE = "idle"
    SPEAKING = "speaking"
    LISTENING = "listening"
