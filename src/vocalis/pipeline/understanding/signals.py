"""What an understanding source tells the turn state machine, and what it is asked to do.

Two sources implement ``Listener``: ``SpeechInput`` (our denoiser, VAD and STT) and the realtime
adapter (a speech-to-speech model's own detection and transcripts). The orchestrator implements
``UnderstandingSignals`` and treats both alike, so turn-taking and interruption rules live in
one place.
"""

from __future__ import annotations

from typing import Protocol

from ...stt import SpeechEventType
from .stage import InputChunk


class UnderstandingSignals(Protocol):
    """Called by a listener, in the order things are heard."""

    async def user_speech_started(self, started_at: float | None = None) -> None:
        """The user's voice began (``started_at``: when its first voiced sample arrived)."""

    async def user_speech_ended(self, speech_end_at: float) -> None:
        """The user's voice stopped; ``speech_end_at`` is when its last sample arrived."""

    async def user_words(
        self, kind: SpeechEventType, text: str, confidence: float,
        ending_confidence: float | None = None,
    ) -> None:
        """A transcript: INTERIM, PREFLIGHT or FINAL; ``ending_confidence`` is the STT's
        confidence in its last word, when the STT scores words."""


class Listener(Protocol):
    """An understanding source the orchestrator drives."""

    def push_audio(self, chunk: InputChunk) -> None:
        """User audio from the transport (must not wait)."""

    def set_muted(self, muted: bool) -> None:
        """While muted (a non-interruptible utterance plays) user audio counts as silence."""

    def end_of_speech(self) -> None:
        """The user's turn may be over: ask for final transcripts of what was heard."""

    async def transcripts_settled(self) -> None:
        """Return once the final transcripts asked for are in (or will not come)."""

    @property
    def final_in_flush(self) -> bool:
        """Whether, once settled, the STT has said all it will: no final is still on its way
        (its flush pushes them), so speech it gave no words to had none."""

    async def aclose(self) -> None:
        """Stop every task of the source."""
