"""Markers pushed into an interruption stream between audio frames.

They tell the stream when the agent speaks and when the user's speech overlaps it; the
engine pushes them in order with the caller's audio.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentSpeechStarted:
    """The agent started speaking: reset and listen for overlaps."""


@dataclass(frozen=True)
class AgentSpeechEnded:
    """The agent stopped speaking: reset; user speech is no longer an overlap."""


@dataclass(frozen=True)
class OverlapSpeechStarted:
    """User speech began over the agent.

    ``speech_duration`` is how much of it the VAD had heard when it said so (the window
    starts that long, plus the audio prefix, before now); ``started_at`` is the onset on the
    session clock (None: now minus ``speech_duration``).
    """

    speech_duration: float = 0.0
    started_at: float | None = None
    span: tuple[float, float] | None = None


@dataclass(frozen=True)
class OverlapSpeechEnded:
    """The overlapping user speech ended; without an interruption it was a backchannel."""

    ended_at: float | None = None


@dataclass(frozen=True)
class Flush:
    """Score the current window now instead of waiting for the next interval."""


Sentinel = AgentSpeechStarted | AgentSpeechEnded | OverlapSpeechStarted | OverlapSpeechEnded | Flush
