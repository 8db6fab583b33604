"""The agent's utterances: start them, run them (thinking and speaking), stop them, record them.

``ReplyRunner`` owns the reply lifecycle for one conversation: at most one utterance is current;
a new one stops the previous first (the output track is shared); an interrupted utterance is
recorded as only what the user heard; tool results outlive the reply that asked for them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from ..knowledge_base.injection import retrieve_for_reply, with_context
from ..llm.items import ChatRole
from ..metrics import SessionMetrics, ToolTiming, TurnMetrics
from ..utils.clock import now
from ..utils.events import EventEmitter
from ..utils.tasks import TaskGroup
from .active_reply import ActiveReply
from .components import Components
from .hooks import PipelineHooks
from .preemptive import PreemptiveGeneration
from .reply import ReplyStats, generate_reply
from .speech import Speech, SpeechError
from .speech_output import SpeechAudioWriter
from .states import AgentState
from .tool_runner import ToolOutcome, ToolRunner
from .utterance import UtteranceHandle

HandoffCallback = Callable[[Any, Any], Awaitable[None]]


class ReplyRunner(EventEmitter[str]):
    """Runs the agent's utterances one at a time.

    Events: ``started`` (ActiveReply), ``finished`` (ActiveReply), ``agent_state``,
    ``agent_text``, ``content_generated``, ``function_tools_executed``, ``metrics``, ``error``.
    """

    def __init__(
        self,
        components: Components,
        *,
        hooks: PipelineHooks,
        tasks: TaskGroup,
        metrics: SessionMetrics,
        context_window: Any,
        max_tool_steps: int,
    ) -> None:
        super().__init__()
        self.c = components
        self.hooks = hooks
        self.metrics = metrics
        self.context_window = context_window
        self.max_tool_steps = max_tool_steps
        self.agent: Any = None
        self.is_agent: Callable[[Any], bool] = lambda v: False
        self.on_handoff: HandoffCallback | None = None
        self.current: ActiveReply | None = None
        self.last: ActiveReply | None = None
        self._tasks = tasks
        self._turn_seq = 0
        self.speak = True
        """When False (text-mode turns), utterances are recorded but not synthesized."""
        self._track: Any = None
        self._writer: SpeechAudioWriter | None = None
        self.tools = ToolRunner(
            tasks, on_outcome=self._on_tool_outcome, is_agent=lambda v: self.is_agent(v)
        )

    def next_turn_id(self) -> int:
        self._turn_seq += 1
        return self._turn_seq

    # ---- output wiring ---------------------------------------------------------------------

    def set_audio_track(self, track: Any) -> None:
        if self._track is not None and hasattr(self._track, "remove_audio_out_callback"):
            self._track.remove_audio_out_callback(self._on_first_audio_out)
        self._track = track
        if hasattr(track, "on_first_audio_out"):
            track.on_first_audio_out(self._on_first_audio_out)
        self.attach_tts()

    def attach_tts(self) -> None:
        """Give the TTS a writer onto the output track (again after a TTS swap)."""
        tts = self.c.tts
        if tts is None or self._track is None:
            self._writer = None
            return
        self._writer = SpeechAudioWriter(self._track, tts.sample_rate)
        tts.audio_track = self._writer
        with contextlib.suppress(RuntimeError):
            tts.loop = asyncio.get_running_loop()
        tts.on_first_audio_byte(self._on_tts_first_byte)

    # ---- starting ----------------------------------------------------------------------------

    async def start_reply(
        self,
        handle: UtteranceHandle,
        *,
        metrics: TurnMetrics | None = None,
        preemptive: PreemptiveGeneration | None = None,
        instructions: str | None = None,
    ) -> ActiveReply:
        """Generate and speak a reply to the chat context as it stands."""
        reply = await self._new_reply(handle, metrics, kind="reply")
        reply.task = self._tasks.spawn(
            self._run_llm_reply(reply, preemptive, instructions), name="vocalis.reply"
        )
        return reply

    async def start_say(
        self,
        handle: UtteranceHandle,
        text: str,
        *,
        audio: AsyncIterator[bytes] | None = None,
        add_to_chat_context: bool = True,
    ) -> ActiveReply:
        """Speak fixed text (or pre-rendered audio) as an utterance."""
        reply = await self._new_reply(handle, None, kind="say")
        reply.add_to_chat_context = add_to_chat_context
        reply.metrics.agent_text = text
        reply.task = self._tasks.spawn(self._run_say(reply, text, audio), name="vocalis.say")
        return reply

    def inject_say(self, handle: UtteranceHandle, text: str) -> bool:
        """Speak ``text`` inside the current reply (a tool saying "one moment") without
        cutting the reply off; returns False when there is no reply to join."""
        reply = self.current
        if reply is None or reply.finished or reply.speech is None:
            return False
        return reply.speech.inject(text, handle)

    async def _new_reply(
        self, handle: UtteranceHandle, metrics: TurnMetrics | None, kind: str
    ) -> ActiveReply:
        if metrics is None:
            metrics = TurnMetrics(turn_id=self.next_turn_id(), committed_at=now())
        reply = ActiveReply(
            handle=handle, metrics=metrics, kind=kind, agent_id=getattr(self.agent, "id", None)
        )
        previous = self.current
        if previous is not None and not previous.finished:
            await self.stop(previous)
        self.current = self.last = reply
        reply.speech = self._new_speech(reply)
        self.emit("started", reply)
        return reply

    def _new_speech(self, reply: ActiveReply) -> Speech:
        def first_audio(at: float) -> None:
            reply.metrics.tts_first_audio_at = reply.metrics.tts_first_audio_at or at
            if self.current is reply:
                self.emit("agent_state", AgentState.SPEAKING)

        audible = self.speak and self._writer is not None
        return Speech(
            reply.handle,
            tts=self.c.tts if audible else None,
            writer=self._writer if audible else None,
            track=self._track if audible else None,
            chunker=self.c.chunker,
            text_filter=self.c.text_filter,
            hooks=self.hooks,
            on_first_audio=first_audio,
            on_text=lambda text: self.emit("agent_text", {"text": text}),
        )

    # ---- running -----------------------------------------------------------------------------

    async def _run_llm_reply(
        self,
        reply: ActiveReply,
        preemptive: PreemptiveGeneration | None,
        instructions: str | None,
    ) -> None:
        assert self.c.llm is not None and reply.speech is not None
        self.emit("agent_state", AgentState.THINKING)
        stats = ReplyStats()
        try:
            await self.tools.wait_pending()
            if self.context_window is not None:
                await self.context_window.manage(self.agent.chat_context, self.c.llm)
            knowledge = await retrieve_for_reply(self.agent, self.agent.chat_context)
            if knowledge is not None:
                reply.metrics.knowledge_base_ms = knowledge.duration_ms
                instructions = with_context(instructions, knowledge)
                if knowledge.context and preemptive is not None:
                    await preemptive.cancel()  # its first step ran without the documents
                    preemptive = None
            reply.metrics.llm_started_at = now()
            if preemptive is not None:
                reply.metrics.preemptive = True
                reply.metrics.llm_started_at = preemptive.started_at
            await self.hooks.notify("agent_turn_start", {})
            stream = generate_reply(
                self.c.llm,
                self.agent.chat_context,
                tools=list(self.agent.tools),
                runner=self.tools,
                stats=stats,
                agent_id=reply.agent_id,
                max_tool_steps=self.max_tool_steps,
                is_agent=self.is_agent,
                on_tools_running=lambda running: self._on_tools_running(reply, running),
                first_step=preemptive.replay() if preemptive is not None else None,
                extra_instructions=instructions,
            )
            result = await reply.speech.play_text(stream)
            reply.metrics.usage = stats.usage
            self._record(reply, result.heard_step_texts, result.interrupted)
            self.emit("content_generated", {"text": result.text})
        except SpeechError as exc:
            self.emit("error", ("tts", exc))
        except Exception as exc:
            self.emit("error", ("llm", exc))
        finally:
            if preemptive is not None:
                await preemptive.cancel()
            reply.metrics.llm_first_token_at = stats.first_token_at
            reply.metrics.tts_request_at = reply.speech.tts_request_at
            self.finish(reply)
        if stats.handoff_to is not None and self.on_handoff is not None:
            await self.on_handoff(self.agent, stats.handoff_to)

    async def _run_say(
        self, reply: ActiveReply, text: str, audio: AsyncIterator[bytes] | None
    ) -> None:
        assert reply.speech is not None
        try:
            await self.hooks.notify("agent_turn_start", {})
            if audio is not None:
                result = await reply.speech.play_audio(audio, text)
            else:
                result = await reply.speech.play_text(_once(text))
            reply.metrics.tts_request_at = reply.speech.tts_request_at
            self._record(reply, [result.heard_text], result.interrupted)
        except SpeechError as exc:
            self.emit("error", ("tts", exc))
        finally:
            self.finish(reply)

    def _on_tools_running(self, reply: ActiveReply, running: bool) -> None:
        if running and self.current is reply:
            self.emit("agent_state", AgentState.THINKING)

    def _on_tool_outcome(self, outcome: ToolOutcome) -> None:
        reply = self.current
        if reply is not None:
            reply.metrics.tools.append(
                ToolTiming(outcome.call.name, round(outcome.duration * 1000, 3), outcome.is_error)
            )
        self.emit("function_tools_executed", outcome)

    # ---- stopping and recording --------------------------------------------------------------

    async def stop(self, reply: ActiveReply) -> None:
        """Interrupt ``reply``: fade out, stop generation (tools go on), record what was heard."""
        reply.handle._mark_interrupted()
        reply.metrics.interrupted = True
        if reply.speech is not None:
            await reply.speech.interrupt()
        if reply.task is not None and not reply.task.done():
            reply.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reply.task
        self.finish(reply)

    def _record(self, reply: ActiveReply, step_texts: list[str], interrupted: bool) -> None:
        """Record the final step's words: only what the user heard when interrupted."""
        if not reply.add_to_chat_context or self.agent is None or reply.recorded:
            return
        reply.recorded = True
        final = step_texts[-1].strip() if step_texts else ""
        reply.metrics.agent_text = final
        if not final:
            return
        message = self.agent.chat_context.add_message(
            ChatRole.ASSISTANT, final, agent_id=reply.agent_id
        )
        message.interrupted = interrupted

    def finish(self, reply: ActiveReply) -> None:
        """The utterance is over (played out or stopped); idempotent."""
        if reply.finished:
            return
        reply.finished = True
        if reply.speech is not None and reply.speech.interrupted:
            result = reply.speech.partial_result()
            texts = result.heard_step_texts if reply.kind == "reply" else [result.heard_text]
            self._record(reply, texts, True)
        reply.handle._mark_done()
        if self.current is reply:
            self.current = None
        self._tasks.spawn(
            self.hooks.notify("agent_turn_end", {"interrupted": reply.handle.interrupted})
        )
        if reply.metrics.user_text or reply.kind == "reply":
            self.metrics.turns.append(reply.metrics)
        self.emit("metrics", reply.metrics)
        self.emit("finished", reply)

    # ---- output timing -----------------------------------------------------------------------

    def _on_first_audio_out(self, frame: Any, at: float) -> None:
        reply = self.current
        if reply is not None and reply.metrics.first_audio_out_at is None:
            reply.metrics.first_audio_out_at = at

    async def _on_tts_first_byte(self) -> None:
        reply = self.current
        if reply is not None and reply.metrics.tts_first_audio_at is None:
            reply.metrics.tts_first_audio_at = now()


async def _once(text: str) -> AsyncIterator[str]:
    yield text
