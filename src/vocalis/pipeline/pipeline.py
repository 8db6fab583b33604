"""``Pipeline``: pass the components you have, it works out the mode and runs them.

It keeps the components, the mode, the hooks and the ``SessionLink`` a session gives it, and
builds the runtime for the mode: an ``Orchestrator`` (the turn state machine) driving our
understanding stage, or a ``RealtimeAdapter`` over a speech-to-speech model, or both in the
hybrid modes. A rebuild (``change_pipeline``) makes a new runtime on the same link, so
subscribers, metrics and handoffs carry over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import contextmanager
from typing import Any

from ..llm.graph import GRAPH_UNAVAILABLE
from ..realtime.base import RealtimeBaseModel
from ..text import BasicSentenceChunker, BasicTextFilter, normalize_lang_code
from ..utils.clock import now
from .components import Components
from .config import EOUConfig, InterruptConfig
from .events import EventBus, UserActivity
from .hooks import HOOK_NAMES, PipelineHooks
from .link import SessionLink
from .modes import PipelineConfig, RealtimeConfig, RealtimeMode, build_pipeline_config
from .options import DEFAULT_MAX_TOOL_STEPS, ReplyOptions
from .realtime.adapter import RealtimeAdapter
from .turns.end_of_turn import EndOfTurnDelay
from .turns.interruption import BackchannelDetector, InterruptionStrategy
from .turns.orchestrator import Orchestrator
from .understanding.speech_input import SpeechInput
from .understanding.stage import InputChunk
from .utterance import UtteranceHandle
from .vision import RecentFrames, frames_message

logger = logging.getLogger("vocalis.pipeline")

NO_CHANGE: Any = object()
"""Sentinel for ``change_component``: leave this slot as it is (``None`` removes nothing)."""

_COMPONENT_NAMES = ("stt", "llm", "tts", "vad", "turn_detector", "avatar", "denoise")

FIRST_SEGMENT_MIN_CHARS = 8
"""The default chunker lets a reply's opening clause ("Of course,") go to TTS alone: the first
audio waits for a few words instead of the whole first sentence."""


class Pipeline:
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
        reply_options: ReplyOptions | None = None,
        backchannel: BackchannelDetector | None = None,
        interruption: InterruptionStrategy | None = None,
        end_of_turn: EndOfTurnDelay | None = None,
        interruption_detector: Any = None,
    ) -> None:
        """Components, configs and options follow the reference. Vocalis adds
        ``reply_options`` (tool-step bound, LLM timeouts, the apology), and the turn-taking
        strategies (``backchannel``, ``interruption``, ``end_of_turn``) to replace the ones
        built from ``interrupt_config`` / ``eou_config``, and ``interruption_detector``: an audio
        classifier of user speech over the agent (``vocalis.plugins.interruption``) whose
        verdicts barge-in weighs beside the transcript."""
        if conversational_graph is not None:
            raise NotImplementedError(GRAPH_UNAVAILABLE)
        self.link = SessionLink()
        self.hooks = PipelineHooks(owner=self, report_error=self.link.report_error)
        self.eou_config = eou_config or EOUConfig()
        self.interrupt_config = interrupt_config or InterruptConfig()
        self.conversational_graph = conversational_graph
        self.voice_mail_detector = voice_mail_detector
        self.realtime_config = realtime_config or RealtimeConfig()
        self.reply_options = reply_options or ReplyOptions(
            max_tool_steps=max_tool_steps, context_window=context_window
        )
        self.preemptive_generation = preemptive_generation
        self.backchannel = backchannel
        self.interruption = interruption
        self.end_of_turn = end_of_turn
        self.interruption_detector = interruption_detector
        self._text_chunking = text_chunking
        self._text_filtering = text_filtering
        self._chunker_override = chunker
        self._filter_override = text_filter
        self._chunking_language = chunking_language
        self.audio_track: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._orchestrator: Orchestrator | None = None
        self._realtime: RealtimeAdapter | None = None
        self._frames = RecentFrames()
        self._started = False
        self._error_relays: dict[str, tuple[Any, _ErrorRelay]] = {}
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
        return BasicSentenceChunker(
            language=language, first_min_sentence_len=FIRST_SEGMENT_MIN_CHARS
        )

    def _make_filter(self, language: str) -> Any:
        if not self._text_filtering:
            return None
        if self._filter_override is not None:
            return self._filter_override
        return BasicTextFilter.for_language(None if language == "auto" else language)

    @property
    def pipeline_mode(self) -> Any:
        return self.config.pipeline_mode

    @property
    def realtime_mode(self) -> str | None:
        return self.config.realtime_mode.value if self.config.realtime_mode else None

    @property
    def context_window(self) -> Any:
        return self.reply_options.context_window

    @context_window.setter
    def context_window(self, value: Any) -> None:
        self.reply_options.context_window = value

    @property
    def max_tool_steps(self) -> int:
        return self.reply_options.max_tool_steps

    # ---- hooks and events --------------------------------------------------------------------

    @property
    def bus(self) -> EventBus:
        """The session's event bus (typed events; the reference's names work too)."""
        return self.link.bus

    def on(self, event: Any, callback: Callable[..., Any] | None = None) -> Any:
        """Register a hook (``stt``, ``llm``, ``tts``, ``user_turn_start``, ...) or subscribe
        to an event (by name, or by event class). Works as a decorator: ``@pipeline.on("llm")``.
        """
        if callback is None:
            return lambda func: self.on(event, func)
        if event in HOOK_NAMES:
            return self.hooks.register(event, callback)
        return self.bus.subscribe(event, callback)

    def off(self, event: Any, callback: Callable[..., Any]) -> None:
        self.bus.unsubscribe(event, callback)

    def emit(self, event: str, *args: Any) -> None:
        """Publish a named event on the bus (the reference's ``EventEmitter.emit``)."""
        self.bus.emit(event, *args)

    # ---- the runtime -------------------------------------------------------------------------

    def _hears_locally(self) -> bool:
        return self.realtime_model is None or self.config.realtime_mode in (
            RealtimeMode.HYBRID_STT, RealtimeMode.LLM_ONLY,
        )

    def _build_runtime(self) -> Orchestrator:
        realtime = self.realtime_model is not None
        mode = self.config.realtime_mode
        components = Components(
            stt=self.stt,
            llm=None if realtime else self.llm,
            tts=self.tts if not realtime or mode is RealtimeMode.HYBRID_TTS else None,
            vad=self.vad,
            turn_detector=self.turn_detector,
            denoise=self.denoise,
            interruption=self.interruption_detector,
            avatar=self.avatar,
            chunker=self.chunker if mode not in (RealtimeMode.HYBRID_STT, RealtimeMode.LLM_ONLY)
            else None,
            text_filter=self.text_filter,
        )
        orchestrator = Orchestrator(
            components,
            link=self.link,
            hooks=self.hooks,
            eou_config=self.eou_config,
            interrupt_config=self.interrupt_config,
            reply_options=self.reply_options,
            backchannel=self.backchannel,
            interruption=self.interruption,
            end_of_turn=self.end_of_turn,
            preemptive_generation=self.preemptive_generation,
            turn_owner="local" if self._hears_locally() else "model",
        )
        if realtime:
            assert mode is not None
            self._realtime = RealtimeAdapter(self.realtime_model, mode, orchestrator)
            orchestrator.responder = self._realtime
        if self._hears_locally():
            orchestrator.attach_listener(SpeechInput(
                stt=self.stt, vad=self.vad, denoise=self.denoise, signals=orchestrator,
                on_error=orchestrator.report_stage_error, on_drop=orchestrator.report_drop,
                hooks=self.hooks, interruption=self.interruption_detector,
                on_verdict=orchestrator.barge_in.audio_verdict,
            ))
        else:
            assert self._realtime is not None
            orchestrator.attach_listener(self._realtime)
        self._watch_component_errors()
        return orchestrator

    def _watch_component_errors(self) -> None:
        """A component's own ``error`` events (the reference's plugin contract) reach the
        session as ``ErrorEvent``s; relays follow component swaps."""
        names = ["stt", "tts", "vad", "turn_detector", "denoise"]
        if self.realtime_model is None:
            names.append("llm")
        for name in names:
            component = getattr(self, name)
            wired = self._error_relays.get(name)
            if wired is not None and wired[0] is component:
                continue
            if wired is not None:
                wired[0].off("error", wired[1])
                del self._error_relays[name]
            if component is not None and callable(getattr(component, "on", None)):
                relay = _ErrorRelay(self.link, name)
                component.on("error", relay)
                self._error_relays[name] = (component, relay)

    @property
    def runtime(self) -> Orchestrator | None:
        """The orchestrator of the current mode (None before an agent is set)."""
        return self._orchestrator

    def set_agent(self, agent: Any) -> None:
        """Bind the agent (building the runtime the first time)."""
        self.link.agent = agent
        if self._orchestrator is None:
            self._orchestrator = self._build_runtime()
            if self.audio_track is not None:
                self._apply_track(self.audio_track)
        if self._realtime is not None:
            self._realtime.set_agent(agent)

    def set_audio_track(self, track: Any) -> None:
        """Attach the output track (called by the session or the transport)."""
        self.audio_track = track
        if hasattr(track, "interrupt_fade_duration"):
            track.interrupt_fade_duration = self.interrupt_config.interrupt_fade_duration
        self._apply_track(track)

    def _apply_track(self, track: Any) -> None:
        if self._orchestrator is not None:
            self._orchestrator.set_track(track)
        if self._realtime is not None:
            self._realtime.set_track(track)

    def _set_loop_and_audio_track(self, loop: asyncio.AbstractEventLoop, track: Any) -> None:
        """Reference-compatible wiring entry point for transports."""
        self.loop = loop
        self.set_audio_track(track)

    async def start(self, **kwargs: Any) -> None:
        """Connect realtime models and prewarm components (failures are reported, not raised)."""
        self._started = True
        if self._realtime is not None:
            try:
                await self._realtime.start()
            except Exception as exc:
                self.link.report_error("realtime", exc, recoverable=False)
        for component in (self.tts, self.vad, self.turn_detector, self.stt, self.denoise):
            prewarm = getattr(component, "prewarm", None)
            if prewarm is None:
                continue
            try:
                await prewarm()
            except Exception as exc:
                logger.warning("prewarm of %s failed", type(component).__name__, exc_info=True)
                self.link.report_error("prewarm", exc)

    # ---- input -------------------------------------------------------------------------------

    async def on_audio_delta(
        self, audio_data: bytes, sample_rate: int = 48000, *, arrived_at: float | None = None
    ) -> None:
        """User PCM from the transport (16-bit mono at ``sample_rate``), stamped on arrival."""
        if self._orchestrator is None:
            return
        if len(audio_data) % 2:
            self.link.report_error("audio", ValueError("odd-length PCM chunk: last byte dropped"))
            audio_data = audio_data[:-1]
        if audio_data:
            chunk = InputChunk(bytes(audio_data), sample_rate, arrived_at or now())
            self._orchestrator.push_audio(chunk)

    async def process_text(self, text: str) -> UtteranceHandle | None:
        """A typed user turn (bypasses the STT); the handle is done once it is answered."""
        if self._orchestrator is None:
            return None
        return await self._orchestrator.send_text(text)

    async def send_text_message(self, message: str) -> UtteranceHandle | None:
        """The reference's other name for ``process_text`` (text-only and A2A agents)."""
        return await self.process_text(message)

    @property
    def vision(self) -> bool:
        """Whether video frames are kept for the agent (the reference's ``vision``)."""
        return self._frames.enabled

    @vision.setter
    def vision(self, enabled: bool) -> None:
        self._frames.enabled = bool(enabled)
        if not enabled:
            self._frames.clear()

    def on_video_delta(self, frame: Any) -> None:
        """A video frame from the transport: kept (the last 5) while ``vision`` is on."""
        self._frames.push(frame)

    def get_latest_frames(self, num_frames: int = 1) -> list[Any]:
        """The latest video frames (1 to 5, oldest first); [] with a warning without vision."""
        return self._frames.latest(num_frames)

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
        if self._realtime is not None and self._realtime.speaks:
            await self._realtime.say(message, handle)
            return
        if self._orchestrator is None:
            handle._mark_done()
            return
        audio = _as_async_chunks(audio_data) if audio_data is not None else None
        await self._orchestrator.utterances.start_say(
            handle, message, audio=audio, add_to_chat_context=add_to_chat_context
        )

    def inject_say(self, handle: UtteranceHandle, message: str) -> bool:
        """Speak inside the running reply (a tool's "one moment"); False when there is none."""
        return self._orchestrator is not None and self._orchestrator.utterances.inject_say(
            handle, message
        )

    async def reply_with_context(
        self,
        instructions: str | None,
        wait_for_playback: bool,
        handle: UtteranceHandle,
        frames: Any = None,
    ) -> None:
        """Generate a reply from the context plus one-off ``instructions`` (``session.reply``);
        ``frames`` (video frames) go to the model as images with them."""
        frames = list(frames or [])
        if self._realtime is not None:
            await self._realtime.reply(instructions, handle, frames=frames)
        elif self._orchestrator is not None:
            if frames and self.link.agent is not None:
                agent = self.link.agent
                agent.chat_context.items.append(frames_message(frames, agent_id=agent.id))
            await self._orchestrator.utterances.start_reply(handle, instructions=instructions)
        if wait_for_playback:
            await handle

    def interrupt(self, *, force: bool = False) -> asyncio.Future[bool]:
        """Stop the agent. A plain call, as in the reference; await it to wait until stopped."""
        orchestrator = self._orchestrator
        if orchestrator is None:
            done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            done.set_result(False)
            return done
        return asyncio.ensure_future(orchestrator.interrupt(force=force))

    # ---- reference helpers -----------------------------------------------------------------

    def set_voice_mail_detector(self, detector: Any) -> None:
        """Use ``detector`` (a ``VoiceMailDetector``) on this pipeline's calls."""
        self.voice_mail_detector = detector

    def set_wake_up_callback(self, callback: Callable[[], Any]) -> None:
        """Call ``callback`` on every user or agent activity (the session's wake-up timer)."""
        self.bus.subscribe(UserActivity, lambda _event: callback())

    def get_component_configs(self) -> dict[str, dict[str, Any]]:
        """The public settings of each component, for reporting."""
        configs: dict[str, dict[str, Any]] = {}
        for name in ("stt", "llm", "tts", "vad", "turn_detector"):
            component = getattr(self, name)
            if component is not None:
                configs[name] = {
                    key: value for key, value in vars(component).items()
                    if not key.startswith("_") and not callable(value)
                    and isinstance(value, (str, int, float, bool, type(None)))
                }
        return configs

    def get_session_metrics_snapshot(self) -> dict[str, Any]:
        return {
            "pipeline_type": self.config.pipeline_mode.value,
            "components": self.config.component_names,
        }

    # ---- what the session reads --------------------------------------------------------------

    @property
    def current_utterance(self) -> UtteranceHandle | None:
        """The handle of what the agent is saying now (None when silent)."""
        current = self._orchestrator.current_utterance if self._orchestrator else None
        return current.handle if current is not None else None

    @property
    def last_utterance(self) -> UtteranceHandle | None:
        """The handle of the agent's latest utterance, finished or not."""
        last = self._orchestrator.utterances.last if self._orchestrator else None
        return last.handle if last is not None else None

    @property
    def is_executing_tool(self) -> bool:
        return self._orchestrator is not None and self._orchestrator.is_executing_tool

    async def wait_until_quiet(self) -> None:
        """Wait for the agent's utterances (and what they start, such as a handoff greeting)
        to finish; used by text-mode runs."""
        for _ in range(10):
            current = self._orchestrator.current_utterance if self._orchestrator else None
            if current is None:
                return
            if current.task is not None:
                await asyncio.gather(current.task, return_exceptions=True)
            else:
                await current.handle

    @contextmanager
    def text_mode(self) -> Any:
        """Within the block utterances are recorded but not synthesized (``session.run``)."""
        self.link.speak = False
        if self._realtime is not None:
            self._realtime.set_text_only(True)
        try:
            yield
        finally:
            self.link.speak = True
            if self._realtime is not None:
                self._realtime.set_text_only(False)

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
        merged = {**{k: getattr(self, k) for k in requested}, **changes}
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
        old = {k: getattr(self, k) for k in changes}
        for name, value in changes.items():
            setattr(self, name, value)
        self.config = new_config
        orchestrator = self._orchestrator
        if orchestrator is not None:
            await orchestrator.interrupt(force=True)
            if self._realtime is None:
                orchestrator.update_components(**changes)
            else:
                orchestrator.update_components(**{k: v for k, v in changes.items() if k != "llm"})
        self._watch_component_errors()
        for value in changes.values():
            if value is not None and self._started and hasattr(value, "prewarm"):
                await value.prewarm()
        await _close_replaced(old, changes)

    async def change_pipeline(
        self,
        stt: Any = NO_CHANGE,
        llm: Any = NO_CHANGE,
        tts: Any = NO_CHANGE,
        vad: Any = NO_CHANGE,
        turn_detector: Any = NO_CHANGE,
        avatar: Any = NO_CHANGE,
        denoise: Any = NO_CHANGE,
        eou_config: EOUConfig | None = None,
        interrupt_config: InterruptConfig | None = None,
        conversational_graph: Any = None,
        context_window: Any = None,
        voice_mail_detector: Any = None,
        realtime_config: RealtimeConfig | None = None,
    ) -> None:
        """Rebuild the pipeline with new components (and possibly a new mode); the session's
        link (subscribers, metrics, handoffs) carries over to the new runtime."""
        if conversational_graph is not None:
            raise NotImplementedError(GRAPH_UNAVAILABLE)
        await self._close_runtime()
        given = dict(zip(_COMPONENT_NAMES, (stt, llm, tts, vad, turn_detector, avatar, denoise),
                         strict=True))
        values = {n: getattr(self, n) if v is NO_CHANGE else v for n, v in given.items()}
        if eou_config is not None:
            self.eou_config = eou_config
        if interrupt_config is not None:
            self.interrupt_config = interrupt_config
        if context_window is not None:
            self.context_window = context_window
        if voice_mail_detector is not None:
            self.voice_mail_detector = voice_mail_detector
        if realtime_config is not None:
            self.realtime_config = realtime_config
        self._set_components(**values)
        if self.link.agent is not None:
            self.set_agent(self.link.agent)
        if self.audio_track is not None:
            self.set_audio_track(self.audio_track)
        if self._started:
            await self.start()

    async def _close_runtime(self) -> None:
        orchestrator, self._orchestrator = self._orchestrator, None
        realtime, self._realtime = self._realtime, None
        if orchestrator is not None:
            await orchestrator.aclose()
        if realtime is not None:
            await realtime.aclose()

    # ---- teardown ----------------------------------------------------------------------------

    async def cleanup(self) -> None:
        await self._close_runtime()
        for name in (*_COMPONENT_NAMES, "interruption_detector"):
            component = getattr(self, name)
            close = getattr(component, "aclose", None)
            if close is None or component is self.realtime_model:
                continue
            try:
                await close()
            except Exception:
                logger.warning("closing %s failed", type(component).__name__, exc_info=True)

    leave = cleanup


class _ErrorRelay:
    """Turns a component's ``error`` event into a session ``ErrorEvent``."""

    def __init__(self, link: SessionLink, source: str) -> None:
        self._link = link
        self._source = source

    def __call__(self, error: Any = None) -> None:
        self._link.report_error(self._source, error if error is not None else "error")


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
