"""``Pipeline``: pass the components you have, it works out the mode and runs them.

The cascading modes run through the ``PipelineOrchestrator``; a realtime speech-to-speech
model runs through ``RealtimeFlow``, which reports the same states and events, so the session
on top does not care which one it drives.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from ..realtime.base import RealtimeBaseModel
from ..utils.events import EventEmitter
from .components import Components
from .config import EOUConfig, InterruptConfig
from .hooks import HOOK_NAMES, PipelineHooks
from .modes import PipelineConfig, RealtimeConfig, RealtimeMode, build_pipeline_config
from .orchestrator import PipelineOrchestrator
from .reply import DEFAULT_MAX_TOOL_STEPS
from .utterance import UtteranceHandle

logger = logging.getLogger("vocalis.pipeline")

NO_CHANGE: Any = object()
"""Sentinel for ``change_component``: leave this slot as it is (``None`` removes nothing)."""

FORWARDED_EVENTS = (
    "agent_state", "user_state", "user_transcript", "transcript_ready", "agent_text",
    "content_generated", "synthesis_complete", "interrupted", "false_interruption",
    "backchannel", "metrics", "function_tools_executed", "error", "activity",
    "realtime_model_transcription", "realtime_model_function_executed",
)


class Pipeline(EventEmitter[str]):
    """The components of a voice agent and the mode they make."""

    def __init__(
        self,
        stt: Any = None,
        llm: Any = None,
        tts: Any = None,
        vad: Any = None,
        turn_detector: Any = None,
        avatar: Any = None,
        denoise: Any = None,
        eou_config: EOUConfig | None = None,
        interrupt_config: InterruptConfig | None = None,
        conversational_graph: Any = None,
        context_window: Any = None,
        voice_mail_detector: Any = None,
        realtime_config: RealtimeConfig | None = None,
        text_chunking: bool = True,
        text_filtering: bool = True,
        chunker: Any = None,
        text_filter: Any = None,
        chunking_language: str = "auto",
        max_tool_steps: int = DEFAULT_MAX_TOOL_STEPS,
        preemptive_generation: bool = True,
    ) -> None:
        super().__init__()
        self.hooks = PipelineHooks()
        self.eou_config = eou_config or EOUConfig()
        self.interrupt_config = interrupt_config or InterruptConfig()
        self.context_window = context_window
        self.conversational_graph = conversational_graph
        self.voice_mail_detector = voice_mail_detector
        self.realtime_config = realtime_config or RealtimeConfig()
        self.max_tool_steps = max_tool_steps
        self.preemptive_generation = preemptive_generation
        self._text_chunking = text_chunking
        self._text_filtering = text_filtering
        self._chunker_override = chunker
        self._filter_override = text_filter
        self._chunking_language = chunking_language
        self.agent: Any = None
        self.audio_track: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.orchestrator: PipelineOrchestrator | None = None
        self.realtime: Any = None
        self._started = False
        self._set_components(stt, llm, tts, vad, turn_detector, avatar, denoise)

    # ---- components and mode -----------------------------------------------------------------

    def _set_components(
        self, stt: Any, llm: Any, tts: Any, vad: Any, turn_detector: Any, avatar: Any, denoise: Any
    ) -> None:
        realtime_model = llm if isinstance(llm, RealtimeBaseModel) else None
        self.config: PipelineConfig = build_pipeline_config(
            stt=stt, llm=llm, tts=tts, vad=vad, turn_detector=turn_detector, avatar=avatar,
            denoise=denoise, realtime_model=realtime_model,
            realtime_config_mode=self.realtime_config.mode,  # type: ignore[arg-type]
        )
        self.stt, self.llm, self.tts, self.vad = stt, llm, tts, vad
        self.turn_detector, self.avatar, self.denoise = turn_detector, avatar, denoise
        self.realtime_model = realtime_model
        language = self._resolve_language()
        self.chunker = self._make_chunker(language)
        self.text_filter = self._make_filter(language)

    def _resolve_language(self) -> str:
        from ..text import normalize_lang_code

        for candidate in (
            self._chunking_language if self._chunking_language != "auto" else None,
            getattr(self.stt, "language", None),
            getattr(self.tts, "language", None),
        ):
            code = normalize_lang_code(candidate) if isinstance(candidate, str) else None
            if code:
                return code
        return "auto"

    def _make_chunker(self, language: str) -> Any:
        if not self._text_chunking:
            return None
        if self._chunker_override is not None:
            return self._chunker_override
        from ..text import BasicSentenceChunker

        return BasicSentenceChunker(language=language)

    def _make_filter(self, language: str) -> Any:
        if not self._text_filtering:
            return None
        if self._filter_override is not None:
            return self._filter_override
        from ..text import BasicTextFilter

        return BasicTextFilter.for_language(None if language == "auto" else language)

    @property
    def pipeline_mode(self) -> Any:
        return self.config.pipeline_mode

    @property
    def realtime_mode(self) -> str | None:
        return self.config.realtime_mode.value if self.config.realtime_mode else None

    def _components(self) -> Components:
        realtime = self.config.realtime_mode
        hybrid_stt = realtime in (RealtimeMode.HYBRID_STT, RealtimeMode.LLM_ONLY)
        return Components(
            stt=self.stt,
            llm=None if self.realtime_model is not None else self.llm,
            tts=self.tts if self.realtime_model is None else None,
            vad=self.vad,
            turn_detector=self.turn_detector,
            denoise=self.denoise,
            avatar=self.avatar,
            chunker=self.chunker if not hybrid_stt else None,
            text_filter=self.text_filter,
        )

    # ---- hooks and events --------------------------------------------------------------------

    def on(self, event: str, callback: Callable[..., Any] | None = None) -> Any:
        """Register a hook (``stt``, ``llm``, ``tts``, ``user_turn_start``, ...) or a listener.

        Hooks may be async and work as decorators: ``@pipeline.on("llm")``.
        """
        if event in HOOK_NAMES:
            if callback is None:
                return lambda func: self.hooks.register(event, func)
            return self.hooks.register(event, callback)
        return super().on(event, callback)

    def _forward(self, source: EventEmitter[str]) -> None:
        for name in FORWARDED_EVENTS:
            source.on(name, lambda *args, _n=name: self.emit(_n, *args))

    # ---- wiring ------------------------------------------------------------------------------

    def set_agent(self, agent: Any) -> None:
        """Bind the agent and build the runtime for the detected mode."""
        self.agent = agent
        if self.realtime_model is not None:
            from .realtime_flow import RealtimeFlow

            if self.realtime is None:
                self.realtime = RealtimeFlow(self)
                self._forward(self.realtime)
            self.realtime.set_agent(agent)
            if self.config.realtime_mode in (RealtimeMode.HYBRID_STT, RealtimeMode.LLM_ONLY):
                self._ensure_orchestrator()
        else:
            self._ensure_orchestrator()
        if self.orchestrator is not None:
            self.orchestrator.set_agent(agent)

    def _ensure_orchestrator(self) -> None:
        if self.orchestrator is not None:
            return
        self.orchestrator = PipelineOrchestrator(
            self._components(),
            eou_config=self.eou_config,
            interrupt_config=self.interrupt_config,
            hooks=self.hooks,
            context_window=self.context_window,
            max_tool_steps=self.max_tool_steps,
            preemptive_generation=self.preemptive_generation,
        )
        self._forward(self.orchestrator)
        if self.audio_track is not None:
            self.orchestrator.set_audio_track(self.audio_track)

    def set_audio_track(self, track: Any) -> None:
        """Attach the output track (called by the session or the transport)."""
        self.audio_track = track
        if hasattr(track, "interrupt_fade_duration"):
            track.interrupt_fade_duration = self.interrupt_config.interrupt_fade_duration
        if self.orchestrator is not None:
            self.orchestrator.set_audio_track(track)
        if self.realtime is not None:
            self.realtime.set_audio_track(track)

    def _set_loop_and_audio_track(self, loop: asyncio.AbstractEventLoop, track: Any) -> None:
        """Reference-compatible wiring entry point for transports."""
        self.loop = loop
        self.set_audio_track(track)

    async def start(self, **kwargs: Any) -> None:
        """Connect realtime models and prewarm components (failures are logged, not raised)."""
        self._started = True
        if self.realtime is not None:
            await self.realtime.start()
        for component in (self.tts, self.vad, self.turn_detector, self.stt, self.denoise):
            prewarm = getattr(component, "prewarm", None)
            if prewarm is None:
                continue
            try:
                await prewarm()
            except Exception:
                logger.warning("prewarm of %s failed", type(component).__name__, exc_info=True)

    # ---- input -------------------------------------------------------------------------------

    async def on_audio_delta(self, audio: bytes, sample_rate: int = 48000) -> None:
        """User PCM from the transport (16-bit mono at ``sample_rate``)."""
        if self.realtime is not None and self.config.realtime_mode not in (
            RealtimeMode.HYBRID_STT,
            RealtimeMode.LLM_ONLY,
        ):
            await self.realtime.push_audio(audio, sample_rate)
        elif self.orchestrator is not None:
            await self.orchestrator.process_audio(audio, sample_rate)

    async def process_text(self, text: str) -> UtteranceHandle | None:
        """A typed user turn."""
        if self.realtime is not None:
            return await self.realtime.send_text(text)
        if self.orchestrator is not None:
            return await self.orchestrator.process_text(text)
        return None

    send_text_message = process_text

    # ---- output ------------------------------------------------------------------------------

    async def send_message(
        self,
        message: str,
        handle: UtteranceHandle,
        audio_data: bytes | Iterable[bytes] | AsyncIterator[bytes] | None = None,
        *,
        add_to_chat_context: bool = True,
    ) -> None:
        """Speak ``message`` (``session.say``)."""
        if self.realtime is not None:
            await self.realtime.say(message, handle)
            return
        assert self.orchestrator is not None
        audio = _as_async_chunks(audio_data) if audio_data is not None else None
        await self.orchestrator.replies.start_say(
            handle, message, audio=audio, add_to_chat_context=add_to_chat_context
        )

    async def reply_with_context(
        self,
        instructions: str | None,
        wait_for_playback: bool,
        handle: UtteranceHandle,
        frames: Any = None,
    ) -> None:
        """Generate a reply from the context plus one-off ``instructions`` (``session.reply``)."""
        if self.realtime is not None:
            await self.realtime.reply(instructions, handle)
        elif self.orchestrator is not None:
            await self.orchestrator.replies.start_reply(handle, instructions=instructions)
        if wait_for_playback:
            await handle

    async def interrupt(self, *, force: bool = False) -> None:
        if self.realtime is not None:
            await self.realtime.interrupt(force=force)
        if self.orchestrator is not None:
            await self.orchestrator.interrupt(force=force)

    # ---- hot swap ----------------------------------------------------------------------------

    async def change_component(
        self,
        stt: Any = NO_CHANGE,
        llm: Any = NO_CHANGE,
        tts: Any = NO_CHANGE,
        vad: Any = NO_CHANGE,
        turn_detector: Any = NO_CHANGE,
        denoise: Any = NO_CHANGE,
    ) -> None:
        """Swap components while the session runs; a change of mode goes through
        ``change_pipeline``. A slot that is empty cannot be filled here."""
        requested = {
            "stt": stt, "llm": llm, "tts": tts, "vad": vad,
            "turn_detector": turn_detector, "denoise": denoise,
        }
        changes = {k: v for k, v in requested.items() if v is not NO_CHANGE}
        for name, value in changes.items():
            if getattr(self, name) is None and value is not None:
                raise ValueError(
                    f"Cannot change component {name!r}: the pipeline has none. "
                    "Use change_pipeline() to add components."
                )
        current = {k: getattr(self, k) for k in requested}
        merged = {**current, **changes}
        new_config = build_pipeline_config(
            stt=merged["stt"], llm=merged["llm"], tts=merged["tts"], vad=merged["vad"],
            turn_detector=merged["turn_detector"], denoise=merged["denoise"], avatar=self.avatar,
            realtime_model=merged["llm"] if isinstance(merged["llm"], RealtimeBaseModel) else None,
            realtime_config_mode=self.realtime_config.mode,  # type: ignore[arg-type]
        )
        if new_config.pipeline_mode != self.config.pipeline_mode or (
            new_config.realtime_mode != self.config.realtime_mode
        ):
            await self.change_pipeline(**merged)
            return
        old = {k: current[k] for k in changes}
        for name, value in changes.items():
            setattr(self, name, value)
        self.config = new_config
        if self.orchestrator is not None:
            comp_changes = {k: v for k, v in changes.items() if k != "llm" or self.realtime is None}
            await self.orchestrator.interrupt(force=True)
            self.orchestrator.update_components(**comp_changes)
        for value in changes.values():
            if value is not None and self._started and hasattr(value, "prewarm"):
                await value.prewarm()
        await _close_replaced(old, changes)

    async def change_pipeline(self, **components: Any) -> None:
        """Rebuild the pipeline with new components (and possibly a new mode)."""
        if self.orchestrator is not None:
            await self.orchestrator.aclose()
            self.orchestrator = None
        if self.realtime is not None:
            await self.realtime.aclose()
            self.realtime = None
        names = ("stt", "llm", "tts", "vad", "turn_detector", "avatar", "denoise")
        values = {n: components.get(n, getattr(self, n)) for n in names}
        for key in ("eou_config", "interrupt_config", "context_window"):
            if components.get(key) is not None:
                setattr(self, key, components[key])
        self._set_components(**values)
        if self.agent is not None:
            self.set_agent(self.agent)
        if self.audio_track is not None:
            self.set_audio_track(self.audio_track)
        if self._started:
            await self.start()

    # ---- teardown ----------------------------------------------------------------------------

    async def cleanup(self) -> None:
        if self.orchestrator is not None:
            await self.orchestrator.aclose()
        if self.realtime is not None:
            await self.realtime.aclose()
        for component in (
            self.stt, self.llm, self.tts, self.vad, self.turn_detector, self.denoise, self.avatar,
        ):
            close = getattr(component, "aclose", None)
            if close is None:
                continue
            try:
                await close()
            except Exception:
                logger.warning("closing %s failed", type(component).__name__, exc_info=True)

    leave = cleanup


async def _close_replaced(old: dict[str, Any], new: dict[str, Any]) -> None:
    for name, component in old.items():
        if component is None or component is new.get(name):
            continue
        close = getattr(component, "aclose", None)
        if close is not None:
            try:
                await close()
            except Exception:
                logger.warning("closing replaced %s failed", name, exc_info=True)


async def _as_async_chunks(
    data: bytes | bytearray | Iterable[bytes] | AsyncIterator[bytes],
) -> AsyncIterator[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        yield bytes(data)
        return
    if hasattr(data, "__aiter__"):
        async for chunk in data:  # type: ignore[union-attr]
            yield bytes(chunk)
        return
    for chunk in data:  # type: ignore[union-attr]
        yield bytes(chunk)


CascadingPipeline = Pipeline
RealTimePipeline = Pipeline
