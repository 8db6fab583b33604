"""``RealtimeLLMAdapter``: a realtime model seen through the ``LLM`` interface (the reference's
wrapper, kept for code that builds one itself; the pipeline adapts realtime models on its own).

It re-emits the model's events under the same names and forwards input and control calls.
``chat()`` has nothing to stream (the model speaks for itself): like the reference, it yields
one empty response marked ``{"realtime_mode": True}``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from ..llm.items import ChatRole
from ..llm.llm import LLMResponse
from ..utils.events import EventEmitter
from .base import RealtimeBaseModel

FORWARDED_EVENTS = (
    "error", "user_speech_started", "user_speech_ended", "agent_speech_started",
    "agent_speech_ended", "realtime_model_transcription", "realtime_model_function_executed",
    "llm_text_output",
)


class RealtimeLLMAdapter(EventEmitter[str]):
    """Wraps a ``RealtimeBaseModel`` (see the module docstring)."""

    def __init__(self, realtime_model: RealtimeBaseModel, agent: Any = None) -> None:
        super().__init__()
        self.realtime_model = realtime_model
        self.agent = agent
        self._is_realtime = True
        self.audio_track: Any = None
        self.loop: Any = None
        for name in FORWARDED_EVENTS:
            realtime_model.on(name, lambda *args, _n=name: self.emit(_n, *args))

    @property
    def current_utterance(self) -> Any:
        return self.realtime_model.current_utterance

    @current_utterance.setter
    def current_utterance(self, handle: Any) -> None:
        self.realtime_model.current_utterance = handle

    def set_agent(self, agent: Any) -> None:
        self.agent = agent
        self.realtime_model.set_agent(agent)

    async def connect(self) -> None:
        await self.realtime_model.connect()

    async def chat(
        self, context: Any, tools: list[Any] | None = None, conversational_graph: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[LLMResponse]:
        yield LLMResponse(content="", role=ChatRole.ASSISTANT, metadata={"realtime_mode": True})

    async def handle_audio_input(self, audio_data: bytes) -> None:
        await self.realtime_model.handle_audio_input(audio_data)

    async def handle_video_input(self, video_data: Any) -> None:
        await self.realtime_model.handle_video_input(video_data)

    async def send_message(self, message: str) -> None:
        await self.realtime_model.send_message(message)

    async def send_text_message(self, message: str) -> None:
        await self.realtime_model.send_text_message(message)

    async def send_message_with_frames(self, message: str, frames: list[Any]) -> None:
        send = getattr(self.realtime_model, "send_message_with_frames", None)
        if send is not None:
            await send(message, frames)
        else:
            await self.realtime_model.send_message(message)

    async def interrupt(self) -> None:
        await self.realtime_model.interrupt()

    async def cancel_current_generation(self) -> None:
        await self.interrupt()

    def on_user_speech_started(self, callback: Callable[..., Any]) -> None:
        self.realtime_model.on("user_speech_started", callback)

    def on_user_speech_ended(self, callback: Callable[..., Any]) -> None:
        self.realtime_model.on("user_speech_ended", callback)

    def on_agent_speech_started(self, callback: Callable[..., Any]) -> None:
        self.realtime_model.on("agent_speech_started", callback)

    def on_agent_speech_ended(self, callback: Callable[..., Any]) -> None:
        self.realtime_model.on("agent_speech_ended", callback)

    def on_transcription(self, callback: Callable[..., Any]) -> None:
        self.realtime_model.on("realtime_model_transcription", callback)

    def on_function_executed(self, callback: Callable[..., Any]) -> None:
        self.realtime_model.on("realtime_model_function_executed", callback)

    async def aclose(self) -> None:
        await self.realtime_model.aclose()

    async def cleanup(self) -> None:
        await self.aclose()
