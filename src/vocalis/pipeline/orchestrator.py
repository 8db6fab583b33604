"""The turn state machine: the one place that decides who speaks.

The orchestrator listens to the understanding stage (VAD and STT events), assembles the
user's turn and decides when it ends (``EndOfTurnDelay``, the turn detector, pending final
transcripts), starts preemptive generation on preflight transcripts, and hands the rest to its
two parts: ``BargeIn`` (what user speech over the agent means) and ``ReplyRunner`` (the agent's
utterances: what an interruption cancels, what survives it, what is recorded).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..eou import EOU
from ..llm.items import ChatRole
from ..metrics import SessionMetrics, TurnMetrics
from ..stt import SpeechEventType, STTResponse
from ..utils.clock import now, sleep_until
from ..utils.events import EventEmitter
from ..utils.tasks import TaskGroup
from ..vad import VADEventType, VADResponse
from .active_reply import ActiveReply
from .barge_in import BargeIn
from .components import Components
from .config import EOUConfig, InterruptConfig
from .hooks import PipelineHooks
from .preemptive import PreemptiveGeneration
from .replies import HandoffCallback, ReplyRunner
from .reply import DEFAULT_MAX_TOOL_STEPS
from .states import AgentState, UserState
from .turn_taking import EndOfTurnDelay, InterruptionPolicy
from .understanding import SpeechUnderstanding
from .utterance import UtteranceHandle, new_utterance_id

logger = logging.getLogger("vocalis.pipeline.orchestrator")

FINAL_TRANSCRIPT_TIMEOUT = 1.5
"""Seconds after the end of speech to wait for the STT's final transcript of words it has
already shown as interim results, before the interim text is taken as final."""


class PipelineOrchestrator(EventEmitter[str]):
    """Runs one conversation for one agent over the given components.

    Events: ``agent_state`` (AgentState), ``user_state`` (UserState), ``user_transcript``
    ({"text", "is_final"}), ``transcript_ready`` ({"text", "speech_end_at"}),
    ``agent_text`` ({"text"}), ``content_generated`` ({"text"}), ``synthesis_complete`` ({}), ``interrupted`` ({}),
    ``false_interruption`` ({}), ``backchannel`` ({"text"}), ``metrics`` (TurnMetrics),
    ``function_tools_executed`` (ToolOutcome), ``error`` ({"source", "error"}),
    ``activity`` ({}) for the wake-up timer.
    """

    def __init__(
        self,
        components: Components,
        *,
        eou_config: EOUConfig,
        interrupt_config: InterruptConfig,
        hooks: PipelineHooks,
        context_window: Any = None,
        max_tool_steps: int = DEFAULT_MAX_TOOL_STEPS,
        preemptive_generation: bool = True,
    ) -> None:
        super().__init__()
        self.c = components
        self.eou_config = eou_config
        self.interrupt_config = interrupt_config
        self.hooks = hooks
        self.context_window = context_window
        self.max_tool_steps = max_tool_steps
        self.preemptive_generation = preemptive_generation
        self.metrics = SessionMetrics()
        self._tasks = TaskGroup("vocalis.orchestrator")
        self.replies = ReplyRunner(
            components,
            hooks=hooks,
            tasks=self._tasks,
            metrics=self.metrics,
            context_window=context_window,
            max_tool_steps=max_tool_steps,
        )
        self.replies.on("started", self._on_reply_started)
        self.replies.on("finished", self._on_reply_finished)
        self.replies.on("agent_state", self.set_agent_state)
        self.replies.on("error", lambda failure: self.report_error(*failure))
        for name in ("agent_text", "content_generated", "function_tools_executed", "metrics"):
            self.replies.on(name, lambda payload, _n=name: self.emit(_n, payload))
        self.barge_in = BargeIn(
            self.replies,
            self._interruption_policy(),
            config=interrupt_config,
            tasks=self._tasks,
            metrics=self.metrics,
        )
        for name in ("interrupted", "false_interruption", "backchannel"):
            self.barge_in.on(name, lambda payload, _n=name: self.emit(_n, payload))
        self._understanding = SpeechUnderstanding(
            stt=self.c.stt,
            vad=self.c.vad,
            denoise=self.c.denoise,
            on_vad=self._on_vad,
            on_transcript=self._on_transcript,
            on_error=self.report_error,
        )
        self._configure_policies()
        self._agent_state: AgentState | None = None
        self._user_state: UserState | None = None
        self._user_speaking = False
        self._speech_end_at: float | None = None
        self._vad_end_at: float | None = None
        self._parts: list[str] = []
        self._confidence: list[float] = []
        self._stt_final_at: float | None = None
        self._interim = ""
        self._commit_task: asyncio.Task[None] | None = None
        self._preemptive: PreemptiveGeneration | None = None
        self._closed = False

    # ---- wiring ----------------------------------------------------------------------------

    def _interruption_policy(self) -> InterruptionPolicy:
        return InterruptionPolicy(
            self.interrupt_config, has_stt=self.c.stt is not None, has_vad=self.c.vad is not None
        )

    def _configure_policies(self) -> None:
        threshold = self.c.turn_detector.threshold if self.c.turn_detector is not None else 0.7
        self._end_of_turn = EndOfTurnDelay(self.eou_config, threshold)
        self.barge_in.policy = self._interruption_policy()

    @property
    def agent(self) -> Any:
        return self.replies.agent

    def set_agent(self, agent: Any) -> None:
        self.replies.agent = agent

    @property
    def is_agent(self) -> Callable[[Any], bool]:
        """Tells whether a tool's return value is an agent to hand over to."""
        return self.replies.is_agent

    @is_agent.setter
    def is_agent(self, predicate: Callable[[Any], bool]) -> None:
        self.replies.is_agent = predicate

    @property
    def on_handoff(self) -> HandoffCallback | None:
        return self.replies.on_handoff

    @on_handoff.setter
    def on_handoff(self, callback: HandoffCallback | None) -> None:
        self.replies.on_handoff = callback

    @property
    def last_reply(self) -> ActiveReply | None:
        return self.replies.last

    def set_audio_track(self, track: Any) -> None:
        """Attach the output track (TTS writes through a resampling writer)."""
        self.replies.set_audio_track(track)

    def update_components(self, **changes: Any) -> None:
        """Swap components in place (``change_component``)."""
        for name, value in changes.items():
            setattr(self.c, name, value)
        self._understanding.replace(stt=self.c.stt, vad=self.c.vad, denoise=self.c.denoise)
        self._configure_policies()
        self.replies.attach_tts()

    @property
    def agent_state(self) -> AgentState | None:
        return self._agent_state

    @property
    def user_state(self) -> UserState | None:
        return self._user_state

    @property
    def current_reply(self) -> ActiveReply | None:
        return self.replies.current

    @property
    def is_executing_tool(self) -> bool:
        return self.replies.tools.running

    def set_agent_state(self, state: AgentState) -> None:
        if state is not self._agent_state:
            self._agent_state = state
            self.emit("agent_state", state)

    def _set_user_state(self, state: UserState) -> None:
        if state is not self._user_state:
            self._user_state = state
            self.emit("user_state", state)

    def report_error(self, source: str, error: BaseException | str) -> None:
        """A component failed: log it, count it, tell listeners; the session goes on."""
        message = str(error) or type(error).__name__
        logger.warning("%s error: %s", source, message)
        self.metrics.errors.append({"source": source, "error": message})
        self.emit("error", {"source": source, "error": message})

    # ---- input -----------------------------------------------------------------------------

    async def process_audio(self, pcm: bytes, sample_rate: int) -> None:
        await self._understanding.push_audio(pcm, sample_rate)

    async def process_text(self, text: str) -> UtteranceHandle | None:
        """A typed user turn: committed at once, answered like a spoken one."""
        text = text.strip()
        if not text:
            return None
        self._emit_activity()
        if self.replies.current is not None:
            await self.barge_in.interrupt(force=False)
        self._parts = [text]
        self._speech_end_at = now()
        return await self._commit_turn()

    # ---- VAD -------------------------------------------------------------------------------

    async def _on_vad(self, response: VADResponse) -> None:
        if response.event_type is VADEventType.START_OF_SPEECH:
            await self._on_user_speech_start(response)
        elif response.event_type is VADEventType.END_OF_SPEECH:
            await self._on_user_speech_end(response)

    async def _on_user_speech_start(self, response: VADResponse) -> None:
        self._user_speaking = True
        self._set_user_state(UserState.SPEAKING)
        self._emit_activity()
        _cancel(self._commit_task)
        self.barge_in.on_speech_start()
        await self.hooks.notify("user_turn_start", {"text": ""})
        reply = self.replies.current
        if reply is None or reply.finished:
            self.set_agent_state(AgentState.LISTENING)

    async def _on_user_speech_end(self, response: VADResponse) -> None:
        self._user_speaking = False
        self._vad_end_at = now()
        end = response.data.speech_end_time
        if end is not None:
            self._speech_end_at = min(self._understanding.loop_time_of(end), self._vad_end_at)
        else:
            silence = self.c.vad.min_silence_duration if self.c.vad is not None else 0.0
            self._speech_end_at = self._vad_end_at - silence
        self.barge_in.on_speech_end()
        self._set_user_state(UserState.LISTENING)
        await self._understanding.flush_stt()
        self._schedule_commit()

    # ---- STT -------------------------------------------------------------------------------

    async def _on_transcript(self, response: STTResponse) -> None:
        kind = response.event_type
        data = response.data
        if kind is SpeechEventType.START:
            self._emit_activity()
            return
        if kind is SpeechEventType.END:
            return
        text = (data.text or "").strip()
        if kind is SpeechEventType.INTERIM:
            self._interim = text
            self.emit("user_transcript", {"text": text, "is_final": False})
            await self.barge_in.on_words(text, data.confidence, final=False)
            return
        if kind is SpeechEventType.PREFLIGHT:
            await self._on_preflight(text)
            return
        if kind is SpeechEventType.FINAL:
            await self._on_final(text, data.confidence)

    async def _on_final(self, text: str, confidence: float) -> None:
        text = await self.hooks.transform_text("stt", text)
        self._stt_final_at = now()
        self._interim = ""
        if not text:
            self.barge_in.resume_if_paused()
            return
        self.emit("user_transcript", {"text": text, "is_final": True})
        reply = self.replies.current
        if reply is not None and not reply.finished:
            handled = await self.barge_in.on_words(text, confidence, final=True)
            if not handled:
                return
        self._parts.append(text)
        self._confidence.append(confidence)
        self._schedule_commit()

    async def _on_preflight(self, text: str) -> None:
        if not self.preemptive_generation or not text or self.c.llm is None:
            return
        if self.replies.current is not None and not self.replies.current.finished:
            return
        candidate = " ".join([*self._parts, text]).strip()
        if self._preemptive is not None:
            if self._preemptive.matches(candidate):
                return
            await self._preemptive.cancel()
            self._preemptive = None
        probability = await self._eou_probability(candidate)
        if probability is not None and probability < self._end_of_turn.threshold:
            return  # the turn detector expects more words: don't pay for an LLM call yet
        self._preemptive = PreemptiveGeneration(
            self.c.llm, self.agent.chat_context, candidate, list(self.agent.tools)
        )

    # ---- interruption ------------------------------------------------------------------------

    async def interrupt(self, *, force: bool = False) -> bool:
        """Stop the agent now (``session.interrupt``); returns whether anything was stopped."""
        return await self.barge_in.interrupt(force=force)

    # ---- end of turn -------------------------------------------------------------------------

    def _schedule_commit(self) -> None:
        _cancel(self._commit_task)
        if self._user_speaking or not (self._parts or self._interim):
            return
        self._commit_task = self._tasks.spawn(self._commit_when_ready(), name="vocalis.eou")

    async def _commit_when_ready(self) -> None:
        if self._interim:
            # Words are still being transcribed: their final transcript restarts this task.
            # Should it never come, the interim text stands in for it.
            await asyncio.sleep(FINAL_TRANSCRIPT_TIMEOUT)
            self._parts.append(self._interim)
            self._interim = ""
            self._stt_final_at = now()
        probability = await self._eou_probability()
        delay = self._end_of_turn.delay(probability)
        speech_end = self._speech_end_at if self._speech_end_at is not None else now()
        await sleep_until(speech_end + delay)
        if self._user_speaking or not self._parts:
            return
        self._commit_task = None
        await self._commit_turn(eou_delay=delay, eou_probability=probability)

    async def _eou_probability(self, text: str | None = None) -> float | None:
        """The turn detector's probability that ``text`` (default: the turn so far) is done."""
        detector: EOU | None = self.c.turn_detector
        if detector is None or self.agent is None:
            return None
        ctx = self.agent.chat_context.copy()
        ctx.add_message(ChatRole.USER, text if text is not None else " ".join(self._parts))
        try:
            return float(await asyncio.to_thread(detector.get_eou_probability, ctx))
        except Exception as exc:
            self.report_error("turn_detector", exc)
            return None

    async def _commit_turn(
        self, *, eou_delay: float | None = None, eou_probability: float | None = None
    ) -> UtteranceHandle | None:
        text = " ".join(self._parts).strip()
        confidence = sum(self._confidence) / len(self._confidence) if self._confidence else None
        self._parts, self._confidence = [], []
        if not text or self.agent is None:
            return None
        metrics = TurnMetrics(
            turn_id=self.replies.next_turn_id(),
            user_text=text,
            user_speech_end=self._speech_end_at,
            vad_end_at=self._vad_end_at,
            stt_final_at=self._stt_final_at,
            committed_at=now(),
            eou_delay_s=eou_delay,
            eou_probability=eou_probability,
        )
        self._stt_final_at = None
        if self.replies.current is not None and not self.replies.current.finished:
            await self.barge_in.interrupt(force=False)
        self.agent.chat_context.add_message(
            ChatRole.USER, text, agent_id=getattr(self.agent, "id", None)
        ).confidence = confidence
        self.emit("transcript_ready", {"text": text, "speech_end_at": metrics.user_speech_end})
        await self.hooks.notify("user_turn_end", {"text": text})
        preemptive = self._take_preemptive(text)
        if self.c.llm is None:
            return None
        handle = UtteranceHandle(new_utterance_id())
        await self.replies.start_reply(handle, metrics=metrics, preemptive=preemptive)
        return handle

    def _take_preemptive(self, text: str) -> PreemptiveGeneration | None:
        preemptive, self._preemptive = self._preemptive, None
        if preemptive is None:
            return None
        if preemptive.matches(text):
            return preemptive
        self._tasks.spawn(preemptive.cancel())
        return None

    # ---- replies -----------------------------------------------------------------------------

    def _on_reply_started(self, reply: ActiveReply) -> None:
        self._understanding.muted = not reply.handle.is_interruptible

    def _on_reply_finished(self, reply: ActiveReply) -> None:
        if self.replies.current is None:
            self._understanding.muted = False
            self.set_agent_state(AgentState.LISTENING if self._user_speaking else AgentState.IDLE)
            self.emit("synthesis_complete", {})
        self._emit_activity()

    def _emit_activity(self) -> None:
        self.emit("activity", {})

    # ---- lifecycle ---------------------------------------------------------------------------

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.replies.current is not None:
            await self.barge_in.interrupt(force=True)
        if self._preemptive is not None:
            await self._preemptive.cancel()
        await self._tasks.aclose()


async def _once(text: str) -> AsyncIterator[str]:
    yield text


def _cancel(task: asyncio.Task[Any] | None) -> None:
    if task is not None and not task.done() and task is not asyncio.current_task():
        task.cancel()

