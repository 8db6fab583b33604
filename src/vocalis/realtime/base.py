"""The contract of speech-to-speech models (OpenAI Realtime and the like).

A realtime model takes user audio and produces agent audio itself, writing PCM to
``self.audio_track`` like a TTS. It reports what happens through events the pipeline listens
to: ``user_speech_started``, ``user_speech_ended``, ``agent_speech_started``,
``agent_speech_ended``, ``realtime_model_transcription`` (``{"role", "text", "is_final"}``),
``realtime_model_function_executed`` (``{"name", "arguments", "call_id", "output",
"is_error"}``), ``llm_text_output`` and ``error``.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from ..llm.converters import render_context_as_text
from ..utils.events import EventEmitter

if TYPE_CHECKING:
    from ..llm.chat_context import ChatContext

logger = logging.getLogger("vocalis.realtime")

_DEFAULT_INSTRUCTIONS = "You are a helpful assistant that can answer questions and help with tasks."


class RealtimeBaseModel(EventEmitter[str], ABC):
    """Base class of realtime speech-to-speech models."""

    #: Sample rate (Hz) of the PCM the model wants as input; the pipeline resamples to it.
    input_sample_rate: int = 24000
    #: Sample rate (Hz) of the PCM the model writes to its audio track.
    output_sample_rate: int = 24000

    def __init__(self) -> None:
        super().__init__()
        self.current_utterance: Any = None
        self.audio_track: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._agent: Any = None

    @property
    def label(self) -> str:
        return f"{type(self).__module__}.{type(self).__name__}"

    def set_agent(self, agent: Any) -> None:
        """Take the agent's instructions, tools and history."""
        self._agent = agent

    def reframe_audio_track(self, rate_hz: int, frame_ms: float = 20.0) -> None:
        """The model writes PCM at ``rate_hz`` from now on. The reference re-framed the shared
        track; Vocalis's track keeps its own rate and 20 ms frames and the model's sink
        resamples, so only the source rate changes (``frame_ms`` is accepted, not needed)."""
        self.output_sample_rate = rate_hz
        set_rate = getattr(self.audio_track, "set_source_rate", None)
        if callable(set_rate):
            set_rate(rate_hz)

    @abstractmethod
    async def connect(self) -> None:
        """Open the provider session."""

    @abstractmethod
    async def handle_audio_input(self, audio_data: bytes) -> None:
        """Send user PCM (16-bit mono at ``input_sample_rate``)."""

    @abstractmethod
    async def send_message(self, message: str) -> None:
        """Make the model say ``message`` (used by ``session.say``)."""

    async def send_text_message(self, message: str) -> None:
        """Send a user text turn; defaults to ``send_message``."""
        await self.send_message(message)

    async def handle_video_input(self, frame: Any) -> None:
        """Send a video frame; models without vision ignore it."""

    @abstractmethod
    async def interrupt(self) -> None:
        """Stop the current response."""

    async def aclose(self) -> None:
        self.audio_track = None
        self.loop = None

    async def cleanup(self) -> None:
        await self.aclose()

    def instructions_with_context(self, base: str | None) -> str:
        """Fold the conversation so far into the system instructions (after a handoff or a
        switch from a cascading pipeline), since realtime providers seed history unreliably."""
        base = base or _DEFAULT_INSTRUCTIONS
        ctx: ChatContext | None = getattr(self._agent, "chat_context", None)
        if ctx is None or not ctx.items:
            return base
        try:
            prior = render_context_as_text(ctx)
        except Exception:
            logger.warning("could not render prior conversation", exc_info=True)
            return base
        if not prior.strip():
            return base
        return (
            f"{base}\n\n## Ongoing conversation: you are mid-call with this caller\n"
            "Remember what was said. Do not introduce yourself again and do not ask again for "
            "names, numbers or reasons already given. Lines marked [tool result] are known "
            "facts: do not call those tools again for the same inputs.\n\n"
            f"{prior}\n\n## End of prior transcript. Continue the call now."
        )

    async def __aenter__(self) -> RealtimeBaseModel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
