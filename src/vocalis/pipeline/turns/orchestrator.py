"""The turn state machine: the one place that decides who has the floor.

The orchestrator hears the user through a ``Listener`` (our VAD and STT, or a realtime model),
assembles the user's turn and decides when it ends (``EndOfTurnDelay``, the turn detector, a
pending final transcript), starts preemptive generation on preflight transcripts, applies
barge-in (``BargeIn``) and hands each committed turn to the thinking and speaking stages
(``Utterances``, or a realtime model through its ``Responder``). It alone sets the agent's and
the user's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Literal, Protocol

from ...eou import EOU
from ...llm.items import ChatRole
from ...metrics import TurnMetrics
from ...stt import SpeechEventType
from ...utils.clock import now, sleep_until
from ...utils.tasks import TaskGroup
from ..components import Components
from ..config import EOUConfig, InterruptConfig
from ..events import (
    InputDropped,
    SynthesisComplete,
    TranscriptReady,
    UserActivity,
    UserTranscript,
)
from ..hooks import PipelineHooks
from ..link import SessionLink
from ..options import ReplyOptions
from ..speaking.utterances import AgentUtterance, Utterances
from ..states import AgentState, UserState
from ..understanding.signals import Listener
from ..understanding.stage import InputChunk
from ..utterance import UtteranceHandle, new_utterance_id
from .barge_in import BargeIn
from .end_of_turn import DEFAULT_THRESHOLD, EndOfTurnDelay
from .interruption import BackchannelDetector, InterruptionStrategy
from .preemptive import PreemptiveGeneration
from .user_turn import UserTurnDraft

logger = logging.getLogger("vocalis.pipeline.orchestrator")

FINAL_TRANSCRIPT_TIMEOUT = 1.5
"""Seconds after the end of speech to wait for the STT's final transcript of words it has
already shown as interim results, before the interim text is taken as final."""
FINAL_TRANSCRIPT_MAX_WAIT = 6.0
"""While the STT is still working on that final (a local decoder under load: its flush has not
returned), the wait goes on up to this long: taking the interim then would commit half the
sentence and answer the late final as a turn of its own."""

TurnOwner = Literal["local", "model"]
"""Who decides the end of the user's turn: our VAD, STT and turn detector, or a realtime model."""


class Responder(Protocol):
    """Answers a committed user turn when the LLM stage is not ours (a realtime model)."""

    async def respond(self, text: str, metrics: TurnMetrics) -> UtteranceHandle | None:
        """Have ``text`` answered; the handle (if any) is done once the answer is in."""


class Orchestrator:
    """Runs one conversation over the given components (see the module docstring)."""

    def __init__(
        self,
        components: Components,
        *,
        link: SessionLink,
        hooks: PipelineHooks,
        eou_config: EOUConfig,
        interrupt_config: InterruptConfig,
        reply_options: ReplyOptions,
        backchannel: BackchannelDetector | None = None,
        interruption: InterruptionStrategy | None = None,
        end_of_turn: EndOfTurnDelay | None = None,
        preemptive_generation: bool = True,
        turn_owner: TurnOwner = "local",
        responder: Responder | None = None,
    ) -> None:
        """``interruption`` and ``end_of_turn`` replace the strategies built from the configs
        (``backchannel`` only replaces the word list of the default interruption strategy)."""
        self.components = components
        self.link = link
        self.hooks = hooks
        self.eou_config = eou_config
        self.interrupt_config = interrupt_config
        self.preemptive_generation = preemptive_generation
        self.turn_owner = turn_owner
        self.responder = responder
        self._backchannel = backchannel
        self._custom_interruption = interruption
        self._custom_end_of_turn = end_of_turn
        self._tasks = TaskGroup("vocalis.orchestrator", on_error=link.report_error)
        self.utterances = Utterances(
            components, hooks=hooks, link=link, tasks=self._tasks, observer=self,
            options=reply_options,
        )
        self.barge_in = BargeIn(
            self.utterances, self._interruption_strategy(), config=interrupt_config,
            tasks=self._tasks, link=link,
        )
        self.end_of_turn = self._end_of_turn_delay()
        self.listener: Listener | None = None
        self._draft = UserTurnDraft()
        self._user_speaking = False
        self._commit_task: asyncio.Task[None] | None = None
        self._settle_task: asyncio.Task[None] | None = None
        self._preemptive: PreemptiveGeneration | None = None
        self._model_turn: TurnMetrics | None = None
        self._dropping: set[str] = set()
        self._closed = False

    # ---- configuration -----------------------------------------------------------------------

    def _interruption_strategy(self) -> InterruptionStrategy:
        if self._custom_interruption is not None:
            return self._custom_interruption
        c = self.components
        has_stt = c.stt is not None or self.turn_owner == "model"
        has_vad = c.vad is not None or self.turn_owner == "model"
        return InterruptionStrategy(
            self.interrupt_config, has_stt=has_stt, has_vad=has_vad, backchannel=self._backchannel
        )

    def _end_of_turn_delay(self) -> EndOfTurnDelay:
        if self._custom_end_of_turn is not None:
            return self._custom_end_of_turn
        detector = self.components.turn_detector
        threshold = detector.threshold if detector is not None else DEFAULT_THRESHOLD
        return EndOfTurnDelay(self.eou_config, threshold)

    def attach_listener(self, listener: Listener) -> None:
        self.listener = listener
        self.barge_in.overlap_audio = getattr(listener, "overlap_audio", None)

    def update_components(self, **changes: Any) -> None:
        """Swap components in place (``change_component``)."""
        for name, value in changes.items():
            setattr(self.components, name, value)
        replace = getattr(self.listener, "replace", None)
        if callable(replace):
            c = self.components
            replace(stt=c.stt, vad=c.vad, denoise=c.denoise)
        self.end_of_turn = self._end_of_turn_delay()
        self.barge_in.strategy = self._interruption_strategy()

    def set_track(self, track: Any) -> None:
        self.utterances.set_track(track)

    @property
    def agent(self) -> Any:
        return self.link.agent

    @property
    def current_utterance(self) -> AgentUtterance | None:
        return self.utterances.current

    @property
    def is_executing_tool(self) -> bool:
        return self.utterances.tools.running

    # ---- errors and drops (from the input stages) ----------------------------------------------

    def report_stage_error(self, stage: str, error: BaseException) -> None:
        self.link.report_error(stage, error)

    def report_drop(self, stage: str, seconds: float) -> None:
        """An input stage fell behind: count it, and say so once per episode."""
        dropped = self.link.metrics.input_dropped_s
        dropped[stage] = dropped.get(stage, 0.0) + seconds
        if stage not in self._dropping:
            self._dropping.add(stage)
            self.link.publish(InputDropped(stage, seconds))
            asyncio.get_running_loop().call_later(1.0, self._dropping.discard, stage)

    # ---- input -------------------------------------------------------------------------------

    def push_audio(self, chunk: InputChunk) -> None:
        if self.listener is not None:
            self.listener.push_audio(chunk)

    async def send_text(self, text: str) -> UtteranceHandle | None:
        """A typed user turn: committed at once, answered like a spoken one."""
        text = text.strip()
        if not text:
            return None
        self._activity()
        if self.utterances.current is not None:
            await self.barge_in.interrupt(force=False)
        self._draft = UserTurnDraft(parts=[text], speech_end_at=now())
        return await self._commit()

    # ---- what the listener hears (UnderstandingSignals) ----------------------------------------

    async def user_speech_started(self, started_at: float | None = None) -> None:
        self._user_speaking = True
        if self.turn_owner == "model":
            self._model_turn = self._new_turn("")
        self.link.set_user_state(UserState.SPEAKING)
        self._activity()
        _cancel(self._commit_task)
        _cancel(self._settle_task)
        self.barge_in.speech_started(started_at)
        current = self.utterances.current
        if current is None or current.finished:
            self.link.set_agent_state(AgentState.LISTENING)

    async def user_speech_ended(self, speech_end_at: float) -> None:
        self._user_speaking = False
        at = now()
        self._draft.vad_end_at = at
        self._draft.speech_end_at = min(speech_end_at, at) if speech_end_at else at
        self.barge_in.speech_ended(self._draft.speech_end_at)
        self.link.set_user_state(UserState.LISTENING)
        if self.turn_owner == "model":
            if self._model_turn is not None:
                self._model_turn.user_speech_end = self._draft.speech_end_at
                self._model_turn.committed_at = at
            if self.utterances.current is None:
                self.link.set_agent_state(AgentState.THINKING)
            return
        if self.listener is not None:
            self.listener.end_of_speech()
            if self.barge_in.holds_agent and self.listener.final_in_flush:
                _cancel(self._settle_task)
                self._settle_task = self._tasks.spawn(self._finals_in(self.listener),
                                                      name="vocalis.barge_in.finals")
        self._schedule_commit()

    async def _finals_in(self, listener: Listener) -> None:
        """Tell barge-in once every final of the speech that just ended is in: the listener's
        STT pushes them before its flush returns (within ``FINAL_TRANSCRIPT_MAX_WAIT``)."""
        try:
            await asyncio.wait_for(listener.transcripts_settled(), FINAL_TRANSCRIPT_MAX_WAIT)
        except TimeoutError:
            return
        self._settle_task = None
        self.barge_in.finals_in()

    async def user_words(
        self, kind: SpeechEventType, text: str, confidence: float,
        ending_confidence: float | None = None,
    ) -> None:
        if kind is SpeechEventType.START:
            self._activity()
        elif kind is SpeechEventType.INTERIM:
            self.link.publish(UserTranscript(text, False, confidence))
            # A backchannel's interim over the agent is not a draft of the user's turn: should its
            # final decode hear nothing, it must not be promoted to one. Other words over the
            # agent stay, so an interruption whose final never comes keeps what was said.
            starts_turn = await self.barge_in.words(text, confidence, final=False)
            backchannel = not starts_turn and self.barge_in.is_backchannel(text)
            self._draft.interim = "" if backchannel else text
        elif kind is SpeechEventType.PREFLIGHT:
            await self._preflight(text)
        elif kind is SpeechEventType.FINAL:
            await self._final(text, confidence, ending_confidence)

    async def _final(
        self, text: str, confidence: float, ending_confidence: float | None = None
    ) -> None:
        text = await self.hooks.rewrite("stt", text)
        if not text:
            self._draft.interim = ""
            self._draft.stt_final_at = now()
            self.barge_in.resume_if_paused()
            return
        self.link.publish(UserTranscript(text, True, confidence))
        current = self.utterances.current
        agent_has_the_floor = current is not None and not current.finished
        if self.turn_owner == "model":
            if agent_has_the_floor:
                await self.barge_in.words(text, confidence, final=True)
            await self._heard_by_model(text, confidence)
            return
        if agent_has_the_floor and not await self.barge_in.words(text, confidence, final=True):
            self._draft.interim = ""
            return
        self._draft.add_final(text, confidence, now(), ending_confidence)
        self._schedule_commit()

    async def _heard_by_model(self, text: str, confidence: float) -> None:
        """A realtime model's transcript of what the user said (it answers by itself)."""
        turn = self._model_turn
        if turn is None or turn.user_text:
            turn = self._model_turn = self._new_turn(text)
        turn.user_text = text
        await self.hooks.user_turn_start(text)
        self._record_user(text, confidence)
        self.link.publish(TranscriptReady(text, turn.user_speech_end))

    async def _preflight(self, text: str) -> None:
        llm = self.components.llm
        if not self.preemptive_generation or not text or llm is None or self.agent is None:
            return
        current = self.utterances.current
        if current is not None and not current.finished:
            return
        candidate = " ".join([*self._draft.parts, text]).strip()
        if self._preemptive is not None:
            if self._preemptive.matches(candidate):
                return
            await self._preemptive.cancel()
            self._preemptive = None
        probability = await self._eou_probability(candidate)
        if probability is not None and probability < self.end_of_turn.threshold:
            return  # the turn detector expects more words: don't pay for an LLM call yet
        self._preemptive = PreemptiveGeneration(
            llm, self.agent.chat_context, candidate, list(self.agent.tools),
            prerender=self._prerender_parts(),
        )

    def _prerender_parts(self) -> tuple[Any, Any, Any] | None:
        """What synthesizing a preemptive answer's first sentence needs, when it is safe: a TTS
        that may synthesize two things at once, a chunker, and no hook that would see the text
        twice."""
        c = self.components
        if (
            not self.link.speak
            or c.tts is None
            or c.chunker is None
            or not getattr(c.tts, "supports_concurrent_synthesis", False)
            or self.hooks.has("llm")
            or self.hooks.has("tts")
        ):
            return None
        return c.tts, c.chunker, c.text_filter

    # ---- interruption ------------------------------------------------------------------------

    async def interrupt(self, *, force: bool = False) -> bool:
        """Stop the agent now; returns whether anything was stopped."""
        return await self.barge_in.interrupt(force=force)

    # ---- end of turn -------------------------------------------------------------------------

    def _schedule_commit(self) -> None:
        _cancel(self._commit_task)
        if self._user_speaking or not self._draft.has_words:
            return
        self._commit_task = self._tasks.spawn(self._commit_when_ready(), name="vocalis.eou")

    async def _commit_when_ready(self) -> None:
        try:
            if self._draft.interim:
                # Words are still being transcribed: their final transcript restarts this task.
                # Should it never come, the interim text stands in for it.
                await self._wait_for_final()
                self._draft.promote_interim(now())
            probability = await self._eou_probability()
            trusted = self.end_of_turn.trusted(probability, self._draft.ending_confidence)
            delay = self.end_of_turn.delay(trusted)
            speech_end = self._draft.speech_end_at or now()
            await sleep_until(speech_end + delay)
            if self._user_speaking or not self._draft.parts:
                return
            self._commit_task = None
            await self._commit(eou_delay=delay, eou_probability=probability)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.link.report_error("turn", exc)

    async def _wait_for_final(self) -> None:
        """``FINAL_TRANSCRIPT_TIMEOUT``, longer while the listener's STT is still producing the
        final (up to ``FINAL_TRANSCRIPT_MAX_WAIT`` in all)."""
        await asyncio.sleep(FINAL_TRANSCRIPT_TIMEOUT)
        if self.listener is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.listener.transcripts_settled(),
                                       FINAL_TRANSCRIPT_MAX_WAIT - FINAL_TRANSCRIPT_TIMEOUT)

    async def _eou_probability(self, text: str | None = None) -> float | None:
        """The turn detector's probability that ``text`` (default: the turn so far) is done."""
        detector: EOU | None = self.components.turn_detector
        if detector is None or self.agent is None:
            return None
        ctx = self.agent.chat_context.copy()
        ctx.add_message(ChatRole.USER, text if text is not None else self._draft.text)
        try:
            return float(await asyncio.to_thread(detector.get_eou_probability, ctx))
        except Exception as exc:
            self.link.report_error("turn_detector", exc)
            return None

    def _new_turn(self, text: str) -> TurnMetrics:
        return TurnMetrics(turn_id=self.utterances.next_turn_id(), user_text=text)

    async def _commit(
        self, *, eou_delay: float | None = None, eou_probability: float | None = None
    ) -> UtteranceHandle | None:
        """The user's turn is over: record it and have it answered."""
        draft = self._draft
        text, confidence = draft.take()
        if not text or self.agent is None:
            return None
        metrics = self._new_turn(text)
        metrics.user_speech_end = draft.speech_end_at
        metrics.vad_end_at = draft.vad_end_at
        metrics.stt_final_at = draft.stt_final_at
        metrics.committed_at = now()
        metrics.eou_delay_s = eou_delay
        metrics.eou_probability = eou_probability
        draft.stt_final_at = None
        current = self.utterances.current
        if current is not None and not current.finished:
            await self.barge_in.interrupt(force=False)
        await self.hooks.user_turn_start(text)
        self._record_user(text, confidence)
        self.link.publish(TranscriptReady(text, metrics.user_speech_end))
        preemptive = self._take_preemptive(text)
        if self.responder is not None:
            self._model_turn = metrics
            return await self.responder.respond(text, metrics)
        if self.components.llm is None:
            await self.hooks.user_turn_end()
            return None
        handle = UtteranceHandle(new_utterance_id())
        await self.utterances.start_reply(
            handle, metrics=metrics, preemptive=preemptive, answers_user=True
        )
        return handle

    async def model_reply_started(self, speech: Any, handle: UtteranceHandle | None = None) -> None:
        """A realtime model began an answer of its own: it becomes the current utterance."""
        turn, self._model_turn = self._model_turn, None
        utterance = await self.utterances.start_external(
            handle or UtteranceHandle(new_utterance_id()), speech, kind="model", metrics=turn,
            answers_user=handle is None,
        )
        self.utterance_speaking(utterance)

    def _record_user(self, text: str, confidence: float | None) -> None:
        ctx = self.agent.chat_context
        last = ctx.messages()[-1] if ctx.messages() else None
        if (
            self.turn_owner == "model"
            and last is not None
            and last.role is ChatRole.USER
            and last.text_content.strip() == text
        ):
            return
        message = ctx.add_message(ChatRole.USER, text, agent_id=getattr(self.agent, "id", None))
        message.confidence = confidence

    def _take_preemptive(self, text: str) -> PreemptiveGeneration | None:
        preemptive, self._preemptive = self._preemptive, None
        if preemptive is None:
            return None
        if preemptive.matches(text):
            return preemptive
        self._tasks.spawn(preemptive.cancel())
        return None

    # ---- utterances (UtteranceObserver) ------------------------------------------------------

    def utterance_started(self, utterance: AgentUtterance) -> None:
        if self.listener is not None:
            self.listener.set_muted(not utterance.handle.is_interruptible)

    def utterance_thinking(self, utterance: AgentUtterance) -> None:
        if self.utterances.current is utterance:
            self.link.set_agent_state(AgentState.THINKING)

    def utterance_speaking(self, utterance: AgentUtterance) -> None:
        if self.utterances.current is utterance:
            self.link.set_agent_state(AgentState.SPEAKING)
            self.barge_in.agent_speaking(True)

    def utterance_finished(self, utterance: AgentUtterance) -> None:
        if self.utterances.current is None:
            self.barge_in.agent_speaking(False)
            if self.listener is not None:
                self.listener.set_muted(False)
            self.link.set_agent_state(
                AgentState.LISTENING if self._user_speaking else AgentState.IDLE
            )
            self.link.publish(SynthesisComplete())
        self._activity()

    def _activity(self) -> None:
        self.link.publish(UserActivity())

    # ---- lifecycle ---------------------------------------------------------------------------

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.barge_in.cancel()
        if self._preemptive is not None:
            await self._preemptive.cancel()
        if self.listener is not None:
            await self.listener.aclose()
        await self.utterances.aclose()
        await self._tasks.aclose()


def _cancel(task: asyncio.Task[Any] | None) -> None:
    if task is not None and not task.done() and task is not asyncio.current_task():
        task.cancel()
