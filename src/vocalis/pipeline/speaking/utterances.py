"""The agent's utterances: start them, run them (thinking, then speaking), stop them, record them.

``Utterances`` owns the lifecycle of what the agent says in one conversation: at most one
utterance is current, and a new one stops the previous first (the output track is shared); an
interrupted utterance is recorded as only what the user heard; tool results outlive the reply
that asked for them; an LLM that fails or hangs is answered with a short spoken apology rather
than silence. The orchestrator is told when an utterance starts thinking, starts speaking and
finishes (``UtteranceObserver``), and decides the agent's state from that.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from ...knowledge_base.injection import retrieve_for_reply, with_context
from ...llm.items import ChatRole
from ...llm.llm import LLMError
from ...metrics import ToolTiming, TurnMetrics
from ...tts import TTS, TTSAudioCache
from ...utils.clock import now
from ...utils.tasks import TaskGroup
from ..components import Components
from ..events import AgentText, ContentGenerated, MetricsCollected, ToolsExecuted
from ..hooks import PipelineHooks
from ..link import SessionLink
from ..options import ReplyOptions
from ..thinking.llm_reply import ReplyStats, generate_reply
from ..thinking.tool_runner import ToolOutcome, ToolRunner
from ..turns.preemptive import PreemptiveGeneration
from ..utterance import UtteranceHandle
from .prerender import PrerenderedSource
from .speech import Speech, SpeechError

_APOLOGY_CACHES: weakref.WeakKeyDictionary[TTS, TTSAudioCache] = weakref.WeakKeyDictionary()
"""One small cache per TTS in the process: the apology is synthesized once, not per call."""


@dataclass
class AgentUtterance:
    """One thing the agent says: an LLM reply, a ``say``, or a reply with instructions."""

    handle: UtteranceHandle
    metrics: TurnMetrics
    kind: str = "reply"
    add_to_chat_context: bool = True
    agent_id: str | None = None
    task: asyncio.Task[Any] | None = None
    speech: Any = None
    """The ``Speech`` (or a realtime model's speech) carrying its audio."""
    finished: bool = False
    recorded: bool = False
    answers_user: bool = False
    """It answers a committed user turn: ``user_turn_end`` hooks run when it is over."""

    @property
    def interruptible(self) -> bool:
        return self.handle.is_interruptible and not self.handle.done()


class UtteranceObserver(Protocol):
    """What the orchestrator hears about utterances (to set the agent's state)."""

    def utterance_started(self, utterance: AgentUtterance) -> None: ...

    def utterance_thinking(self, utterance: AgentUtterance) -> None: ...

    def utterance_speaking(self, utterance: AgentUtterance) -> None: ...

    def utterance_finished(self, utterance: AgentUtterance) -> None: ...


class Utterances:
    """Runs the agent's utterances one at a time (see the module docstring)."""

    def __init__(
        self,
        components: Components,
        *,
        hooks: PipelineHooks,
        link: SessionLink,
        tasks: TaskGroup,
        observer: UtteranceObserver,
        options: ReplyOptions,
    ) -> None:
        self.components = components
        self.hooks = hooks
        self.options = options
        self.current: AgentUtterance | None = None
        self.last: AgentUtterance | None = None
        self.tools = ToolRunner(
            tasks, on_outcome=self._on_tool_outcome, is_agent=lambda v: link.is_agent(v)
        )
        self._link = link
        self._tasks = tasks
        self._observer = observer
        self._track: Any = None
        self._turn_seq = 0

    def next_turn_id(self) -> int:
        self._turn_seq += 1
        return self._turn_seq

    @property
    def agent(self) -> Any:
        return self._link.agent

    # ---- output ------------------------------------------------------------------------------

    def set_track(self, track: Any) -> None:
        """The output track utterances play on; its first audible frame is each turn's end."""
        if self._track is not None and hasattr(self._track, "remove_audio_out_callback"):
            self._track.remove_audio_out_callback(self._on_first_audio_out)
        self._track = track
        if track is not None and hasattr(track, "on_first_audio_out"):
            track.on_first_audio_out(self._on_first_audio_out)

    # ---- starting ----------------------------------------------------------------------------

    async def start_reply(
        self,
        handle: UtteranceHandle,
        *,
        metrics: TurnMetrics | None = None,
        preemptive: PreemptiveGeneration | None = None,
        instructions: str | None = None,
        answers_user: bool = False,
    ) -> AgentUtterance:
        """Generate and speak a reply to the chat context as it stands."""
        utterance = await self._begin(
            handle, metrics, kind="reply",
            prerendered=preemptive.prerendered if preemptive is not None else None,
        )
        utterance.answers_user = answers_user
        utterance.task = self._tasks.spawn(
            self._run_reply(utterance, preemptive, instructions), name="vocalis.reply"
        )
        return utterance

    async def start_say(
        self,
        handle: UtteranceHandle,
        text: str,
        *,
        audio: AsyncIterator[bytes] | None = None,
        add_to_chat_context: bool = True,
    ) -> AgentUtterance:
        """Speak fixed text (or pre-rendered audio at the track's rate) as an utterance."""
        utterance = await self._begin(handle, None, kind="say")
        utterance.add_to_chat_context = add_to_chat_context
        utterance.metrics.agent_text = text
        utterance.task = self._tasks.spawn(self._run_say(utterance, text, audio), name="vocalis.say")
        return utterance

    async def start_external(self, handle: UtteranceHandle, speech: Any, *, kind: str,
                             metrics: TurnMetrics | None = None,
                             answers_user: bool = False) -> AgentUtterance:
        """Make an utterance whose audio another source produces (a realtime model's answer)."""
        utterance = await self._begin(handle, metrics, kind=kind, speech=speech)
        utterance.add_to_chat_context = False  # the source records its own transcript
        utterance.answers_user = answers_user
        return utterance

    def inject_say(self, handle: UtteranceHandle, text: str) -> bool:
        """Speak ``text`` inside the current reply (a tool saying "one moment") without
        cutting the reply off; returns False when there is no reply to join."""
        utterance = self.current
        if utterance is None or utterance.finished or not isinstance(utterance.speech, Speech):
            return False
        return utterance.speech.inject(text, handle)

    async def _begin(
        self,
        handle: UtteranceHandle,
        metrics: TurnMetrics | None,
        *,
        kind: str,
        speech: Any = None,
        prerendered: PrerenderedSource | None = None,
    ) -> AgentUtterance:
        if metrics is None:
            metrics = TurnMetrics(turn_id=self.next_turn_id(), committed_at=now())
        utterance = AgentUtterance(
            handle=handle, metrics=metrics, kind=kind, agent_id=getattr(self.agent, "id", None)
        )
        previous = self.current
        if previous is not None and not previous.finished:
            await self.stop(previous)
        self.current = self.last = utterance
        utterance.speech = speech if speech is not None else self._new_speech(utterance, prerendered)
        self._observer.utterance_started(utterance)
        return utterance

    def _new_speech(
        self, utterance: AgentUtterance, prerendered: PrerenderedSource | None = None
    ) -> Speech:
        def first_audio(at: float) -> None:
            utterance.metrics.tts_first_audio_at = utterance.metrics.tts_first_audio_at or at
            if self.current is utterance:
                self._observer.utterance_speaking(utterance)

        audible = self._link.speak and self._track is not None
        return Speech(
            utterance.handle,
            tts=self.components.tts if audible else None,
            track=self._track if audible else None,
            chunker=self.components.chunker,
            text_filter=self.components.text_filter,
            hooks=self.hooks,
            on_first_audio=first_audio,
            on_text=lambda text: self._link.publish(AgentText(text)),
            prerendered=prerendered if audible else None,
        )

    # ---- running -----------------------------------------------------------------------------

    async def _run_reply(
        self,
        utterance: AgentUtterance,
        preemptive: PreemptiveGeneration | None,
        instructions: str | None,
    ) -> None:
        llm = self.components.llm
        assert llm is not None and utterance.speech is not None
        self._observer.utterance_thinking(utterance)
        stats = ReplyStats()
        metrics = utterance.metrics
        try:
            await self.tools.wait_pending()
            if self.options.context_window is not None:
                await self.options.context_window.manage(self.agent.chat_context, llm)
            knowledge = await retrieve_for_reply(self.agent, self.agent.chat_context)
            if knowledge is not None:
                metrics.knowledge_base_ms = knowledge.duration_ms
                instructions = with_context(instructions, knowledge)
                if knowledge.context and preemptive is not None:
                    await preemptive.cancel()  # its first step ran without the documents
                    preemptive = None
            metrics.llm_started_at = now()
            if preemptive is not None:
                metrics.preemptive = True
                metrics.llm_started_at = preemptive.started_at
            await self.hooks.agent_turn_start()
            stream = generate_reply(
                llm,
                self.agent.chat_context,
                tools=list(self.agent.tools),
                runner=self.tools,
                stats=stats,
                agent_id=utterance.agent_id,
                max_tool_steps=self.options.max_tool_steps,
                max_tool_calls=self.options.tool_call_limit,
                is_agent=self._link.is_agent,
                on_tools_running=lambda running: self._on_tools_running(utterance, running),
                first_step=preemptive.replay() if preemptive is not None else None,
                extra_instructions=instructions,
                first_token_timeout=self.options.first_token_timeout,
                stall_timeout=self.options.stall_timeout,
            )
            result = await utterance.speech.play_text(stream)
            metrics.usage = stats.usage
            texts = result.heard_step_texts
            if result.text and not result.interrupted:
                self._link.publish(ContentGenerated(result.text))
                replacement = await self.hooks.llm_generated(result.text)
                if replacement is not None:
                    texts = [*texts[:-1], replacement]
            self._record(utterance, texts, result.interrupted)
        except LLMError as exc:
            self._link.report_error("llm", exc)
            await self._apologize(utterance)
        except SpeechError as exc:
            self._link.report_error("tts", exc)
        except Exception as exc:
            self._link.report_error("reply", exc)
        finally:
            if preemptive is not None:
                await preemptive.cancel()
            metrics.llm_first_token_at = stats.first_token_at
            metrics.tts_request_at = utterance.speech.tts_request_at
            self.finish(utterance)
        if stats.handoff_to is not None and self._link.hand_over is not None:
            try:
                await self._link.hand_over(self.agent, stats.handoff_to)
            except Exception as exc:
                self._link.report_error("handoff", exc)

    async def _run_say(
        self, utterance: AgentUtterance, text: str, audio: AsyncIterator[bytes] | None
    ) -> None:
        speech = utterance.speech
        assert isinstance(speech, Speech)
        try:
            await self.hooks.agent_turn_start()
            if audio is not None:
                result = await speech.play_audio(audio, text)
            else:
                result = await speech.play_text(_once(text), from_llm=False)
            utterance.metrics.tts_request_at = speech.tts_request_at
            self._record(utterance, [result.heard_text], result.interrupted)
        except SpeechError as exc:
            self._link.report_error("tts", exc)
        except Exception as exc:
            self._link.report_error("say", exc)
        finally:
            self.finish(utterance)

    async def _apologize(self, utterance: AgentUtterance) -> None:
        """The LLM failed: say so briefly (unless the user already heard part of an answer)."""
        text = self.options.llm_error_message
        speech = utterance.speech
        if not text or utterance.handle.interrupted or not isinstance(speech, Speech):
            return
        if speech.partial_result().heard_text:
            return
        tts = self.components.tts
        audible = self._link.speak and self._track is not None and tts is not None
        apology = Speech(utterance.handle, tts=tts if audible else None,
                         track=self._track if audible else None, chunker=None,
                         text_filter=None, hooks=self.hooks)
        utterance.speech = apology
        try:
            if audible:
                assert tts is not None
                cache = _APOLOGY_CACHES.setdefault(tts, TTSAudioCache(tts, max_entries=4))
                pcm = await cache.fetch(text)
                result = await apology.play_audio(_chunks(pcm), text, sample_rate=tts.sample_rate)
            else:
                result = await apology.play_text(_once(text), from_llm=False)
        except Exception as exc:
            self._link.report_error("tts", exc)
            return
        self._record(utterance, [result.heard_text], result.interrupted)

    def _on_tools_running(self, utterance: AgentUtterance, running: bool) -> None:
        if running and self.current is utterance:
            self._observer.utterance_thinking(utterance)

    def _on_tool_outcome(self, outcome: ToolOutcome) -> None:
        utterance = self.current
        if utterance is not None:
            utterance.metrics.tools.append(
                ToolTiming(outcome.call.name, round(outcome.duration * 1000, 3), outcome.is_error)
            )
        self._link.publish(ToolsExecuted(outcome))

    # ---- stopping and recording --------------------------------------------------------------

    async def stop(self, utterance: AgentUtterance) -> None:
        """Interrupt ``utterance``: fade out, stop generation (tools go on), record what was heard."""
        utterance.handle._mark_interrupted()
        utterance.metrics.interrupted = True
        utterance.metrics.interrupted_at = utterance.metrics.interrupted_at or now()
        if utterance.speech is not None:
            await utterance.speech.interrupt()
        task = utterance.task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.finish(utterance)

    def _record(self, utterance: AgentUtterance, step_texts: list[str], interrupted: bool) -> None:
        """Record the final step's words: only what the user heard when interrupted."""
        if not utterance.add_to_chat_context or self.agent is None or utterance.recorded:
            return
        final = step_texts[-1].strip() if step_texts else ""
        utterance.metrics.agent_text = final
        if not final:
            return
        utterance.recorded = True
        message = self.agent.chat_context.add_message(
            ChatRole.ASSISTANT, final, agent_id=utterance.agent_id
        )
        message.interrupted = interrupted

    def finish(self, utterance: AgentUtterance) -> None:
        """The utterance is over (played out or stopped); idempotent."""
        if utterance.finished:
            return
        utterance.finished = True
        speech = utterance.speech
        if speech is not None and speech.interrupted:
            result = speech.partial_result()
            texts = result.heard_step_texts if utterance.kind == "reply" else [result.heard_text]
            self._record(utterance, texts, True)
        utterance.handle._mark_done()
        if self.current is utterance:
            self.current = None
        if not utterance.handle.interrupted:
            self._tasks.spawn(self.hooks.agent_turn_end())
        if utterance.answers_user:
            self._tasks.spawn(self.hooks.user_turn_end())
        if utterance.metrics.user_text or utterance.kind == "reply":
            self._link.metrics.turns.append(utterance.metrics)
        self._link.publish(MetricsCollected(utterance.metrics))
        self._observer.utterance_finished(utterance)

    # ---- output timing -----------------------------------------------------------------------

    def _on_first_audio_out(self, frame: Any, at: float) -> None:
        utterance = self.current
        if utterance is not None and utterance.metrics.first_audio_out_at is None:
            utterance.metrics.first_audio_out_at = at

    async def aclose(self) -> None:
        if self.current is not None:
            await self.stop(self.current)
        self.set_track(None)


async def _once(text: str) -> AsyncIterator[str]:
    yield text


async def _chunks(pcm: bytes) -> AsyncIterator[bytes]:
    yield pcm
