"""``AgentSession``: one conversation between a user and an agent over a pipeline.

The session ties the agent to the pipeline and the output track, exposes the speaking APIs
(``say``, ``reply``, ``interrupt``), text-mode turns for tests (``run``), the wake-up timer,
handoffs between agents, and the session's state and metrics events.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from ..audio import OutputTrack
from ..llm.items import ChatRole
from ..metrics import SessionMetrics
from ..pipeline.pipeline import Pipeline
from ..pipeline.states import AgentState, UserState
from ..pipeline.utterance import UtteranceHandle, new_utterance_id
from ..utils.events import EventEmitter
from ..utils.tasks import TaskGroup
from .handoff import hand_over
from .run_result import RunResult, event_for
from .wake_up import WakeUpTimer

logger = logging.getLogger("vocalis.session")


def _current_job() -> Any:
    """The running job's context (``vocalis.job``), whose connection the session attaches to."""
    from ..job.context import get_current_job_context

    return get_current_job_context()


class AgentSession(EventEmitter[str]):
    """Runs an ``Agent`` on a ``Pipeline``.

    Events: ``agent_state_changed`` and ``user_state_changed`` ({"state": value}, on change
    only), ``user_transcript``, ``agent_text``, ``metrics_collected`` (TurnMetrics),
    ``function_tools_executed``, ``interrupted``, ``false_interruption``, ``agent_handoff``,
    ``error`` ({"source", "error"}), ``close``.
    """

    def __init__(
        self,
        agent: Any,
        pipeline: Pipeline,
        wake_up: float | None = None,
        background_audio: Any = None,
        dtmf_handler: Any = None,
        voice_mail_detector: Any = None,
        *,
        output_track: OutputTrack | None = None,
    ) -> None:
        super().__init__()
        self.agent = agent
        self.pipeline = pipeline
        self.wake_up = wake_up
        self.on_wake_up: Callable[[], Any] | None = None
        self.background_audio_config = background_audio
        self.dtmf_handler = dtmf_handler
        self.voice_mail_detector = voice_mail_detector
        self.output_track = output_track
        self.current_utterance: UtteranceHandle | None = None
        self._agent_state: AgentState | None = None
        self._user_state: UserState | None = None
        self._tasks = TaskGroup("vocalis.session")
        self._wake_up: WakeUpTimer | None = None
        self._reply_in_progress = False
        self._started = False
        self._closed = False
        agent.session = self
        pipeline.on("agent_state", self._on_agent_state)
        pipeline.on("user_state", self._on_user_state)
        pipeline.on("activity", self._on_activity)
        for name, as_name in (
            ("metrics", "metrics_collected"),
            ("user_transcript", "user_transcript"),
            ("agent_text", "agent_text"),
            ("function_tools_executed", "function_tools_executed"),
            ("interrupted", "interrupted"),
            ("false_interruption", "false_interruption"),
            ("backchannel", "backchannel"),
            ("error", "error"),
        ):
            pipeline.on(name, lambda *args, _n=as_name: self.emit(_n, *args))
        pipeline.set_agent(agent)
        self._wire_handoffs()

    # ---- state -------------------------------------------------------------------------------

    @property
    def agent_state(self) -> AgentState | None:
        return self._agent_state

    @property
    def user_state(self) -> UserState | None:
        return self._user_state

    @property
    def metrics(self) -> SessionMetrics:
        """Every turn's figures, interruption counts and errors for this session."""
        if self.pipeline.orchestrator is not None:
            return self.pipeline.orchestrator.metrics
        return self.pipeline.realtime.metrics

    def _emit_agent_state(self, state: AgentState) -> None:
        if state is self._agent_state:
            return
        self._agent_state = state
        self.emit("agent_state_changed", {"state": state.value})
        self._update_thinking_audio(state)

    def _on_agent_state(self, state: AgentState) -> None:
        if self._started or state in (AgentState.STARTING, AgentState.CLOSING):
            self._emit_agent_state(state)

    def _on_user_state(self, state: UserState) -> None:
        if state is not self._user_state:
            self._user_state = state
            self.emit("user_state_changed", {"state": state.value})

    def _on_activity(self) -> None:
        if self._wake_up is not None and not self._reply_in_progress:
            self._wake_up.reset()

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(
        self, wait_for_participant: bool = False, run_until_shutdown: bool = False, **kwargs: Any
    ) -> None:
        """Start the pipeline, enter the agent (its greeting), start the wake-up timer."""
        if self._started:
            return
        job = _current_job()
        if run_until_shutdown and job is not None:
            await job.run_until_shutdown(session=self, wait_for_participant=wait_for_participant)
            return
        self._emit_agent_state(AgentState.STARTING)
        await self.agent.initialize_mcp()
        if self.output_track is None and self.pipeline.audio_track is None:
            self.output_track = OutputTrack()
        if self.output_track is not None:
            self.pipeline.set_audio_track(self.output_track)
        await self.pipeline.start()
        if job is not None and job.room is not None:
            job.room.attach_session(self)
            job.add_shutdown_callback(self.close)
        self._started = True
        await self.agent.on_enter()
        if self.wake_up and self.on_wake_up is not None:
            self._wake_up = WakeUpTimer(
                self.wake_up, self._fire_wake_up, can_fire=self._may_wake_up, tasks=self._tasks
            )
            self._wake_up.reset()
        orchestrator = self.pipeline.orchestrator
        speaking = orchestrator is not None and orchestrator.current_reply is not None
        if not speaking and self._agent_state in (AgentState.STARTING, None):
            self._emit_agent_state(AgentState.IDLE)

    def _may_wake_up(self) -> bool:
        orchestrator = self.pipeline.orchestrator
        busy = orchestrator is not None and orchestrator.current_reply is not None
        return (
            not self._closed
            and not self._reply_in_progress
            and not busy
            and self._user_state is not UserState.SPEAKING
        )

    async def _fire_wake_up(self) -> None:
        if self.on_wake_up is not None:
            result = self.on_wake_up()
            if asyncio.iscoroutine(result):
                await result

    async def close(self) -> None:
        """End the session: exit the agent, stop the pipeline, release everything."""
        if self._closed:
            return
        self._closed = True
        self._emit_agent_state(AgentState.CLOSING)
        if self._wake_up is not None:
            self._wake_up.cancel()
        try:
            await self.agent.on_exit()
        except Exception:
            logger.exception("agent on_exit failed")
        await self.pipeline.cleanup()
        try:
            await self.agent.cleanup()
        except Exception:
            logger.exception("agent cleanup failed")
        if self.output_track is not None:
            await self.output_track.aclose()
        await self._tasks.aclose()
        self.emit("close", {})

    leave = close

    async def hangup(self, reason: str = "manual_hangup") -> None:
        """End the call; with no room to end, this closes the session."""
        self.emit("hangup", {"reason": reason})
        self._tasks.spawn(self.close(), name="vocalis.hangup")

    # ---- input -------------------------------------------------------------------------------

    async def push_audio(self, pcm: bytes, sample_rate: int) -> None:
        """User audio from a transport (16-bit mono PCM)."""
        if not self._closed:
            await self.pipeline.on_audio_delta(pcm, sample_rate)

    async def send_text(self, text: str) -> UtteranceHandle | None:
        """A typed user message (chat boxes, console text mode)."""
        if self._closed:
            return None
        return await self.pipeline.process_text(text)

    async def run(self, *, user_input: str) -> RunResult:
        """One text-mode turn: returns what the agent did, in order (for tests).

        Nothing is synthesized during the turn (replies, and greetings after a handoff, are
        recorded as text), so it needs no audio output; use ``send_text`` for typed input in a
        live voice call.
        """
        orchestrator = self.pipeline.orchestrator
        if orchestrator is not None:
            orchestrator.replies.speak = False
        try:
            return await self._run_text_turn(user_input)
        finally:
            if orchestrator is not None:
                orchestrator.replies.speak = True

    async def _run_text_turn(self, user_input: str) -> RunResult:
        contexts = [self.agent.chat_context]
        before = {item.id for item in self.agent.chat_context.items}
        handle = await self.pipeline.process_text(user_input)
        orchestrator = self.pipeline.orchestrator
        reply = orchestrator.last_reply if orchestrator is not None else None
        if handle is not None:
            await handle
        if reply is not None and reply.task is not None:
            await asyncio.gather(reply.task, return_exceptions=True)
        await self._settle()
        if self.agent.chat_context is not contexts[0]:
            contexts.append(self.agent.chat_context)
        result = RunResult(user_input=user_input)
        seen: set[str] = set()
        for ctx in contexts:
            for item in ctx.items:
                if item.id in before or item.id in seen:
                    continue
                seen.add(item.id)
                event = event_for(item)
                if event is not None:
                    result.events.append(event)
        return result

    async def _settle(self) -> None:
        """Wait for replies started by the turn (a handoff's greeting) to finish."""
        for _ in range(10):
            orchestrator = self.pipeline.orchestrator
            reply = orchestrator.current_reply if orchestrator is not None else None
            if reply is None or reply.task is None:
                return
            await asyncio.gather(reply.task, return_exceptions=True)

    # ---- speaking ----------------------------------------------------------------------------

    async def say(
        self,
        message: str,
        interruptible: bool = True,
        audio_data: bytes | Iterable[bytes] | AsyncIterator[bytes] | None = None,
        add_to_chat_context: bool = True,
    ) -> UtteranceHandle:
        """Speak ``message``. Inside a tool call it joins the running reply instead of cutting it
        off, so "one moment, please" never deadlocks or truncates the answer."""
        handle = UtteranceHandle(new_utterance_id(), interruptible)
        orchestrator = self.pipeline.orchestrator
        if (
            orchestrator is not None
            and orchestrator.is_executing_tool
            and audio_data is None
            and orchestrator.replies.inject_say(handle, message)
        ):
            if add_to_chat_context:
                self.agent.chat_context.add_message(
                    ChatRole.ASSISTANT, message, agent_id=self.agent.id
                )
            return handle
        self.current_utterance = handle
        await self.pipeline.send_message(
            message, handle, audio_data, add_to_chat_context=add_to_chat_context
        )
        return handle

    async def reply(
        self,
        instructions: str,
        wait_for_playback: bool = True,
        frames: Any = None,
        interruptible: bool = True,
    ) -> UtteranceHandle:
        """Have the LLM answer from the history plus one-off ``instructions``."""
        if self._reply_in_progress and self.current_utterance is not None:
            return self.current_utterance
        handle = UtteranceHandle(new_utterance_id(), interruptible)
        if not instructions:
            handle._mark_done()
            return handle
        self.current_utterance = handle
        orchestrator = self.pipeline.orchestrator
        if orchestrator is not None and orchestrator.is_executing_tool:
            self._tasks.spawn(self._blocking_reply(instructions, False, handle, frames))
            return handle
        await self._blocking_reply(instructions, wait_for_playback, handle, frames)
        return handle

    async def _blocking_reply(
        self, instructions: str, wait: bool, handle: UtteranceHandle, frames: Any
    ) -> None:
        self._reply_in_progress = True
        if self._wake_up is not None:
            self._wake_up.cancel()
        try:
            await self.pipeline.reply_with_context(instructions, wait, handle, frames)
        finally:
            self._reply_in_progress = False
            if self._wake_up is not None:
                self._wake_up.reset()

    async def interrupt(self, *, force: bool = False) -> None:
        """Stop the agent. A non-interruptible utterance is only stopped with ``force=True``."""
        handle = self.current_utterance
        orchestrator = self.pipeline.orchestrator
        current = orchestrator.current_reply if orchestrator is not None else None
        if current is not None:
            handle = current.handle
        if handle is not None and not handle.done() and not handle.is_interruptible and not force:
            logger.warning("interrupt ignored: the current utterance is not interruptible")
            return
        await self.pipeline.interrupt(force=force)

    # ---- audio extras ------------------------------------------------------------------------

    def _update_thinking_audio(self, state: AgentState) -> None:
        track = self.output_track
        config = getattr(self.agent, "thinking_audio", None)
        if track is None or config is None:
            return
        if state is AgentState.THINKING:
            self._tasks.spawn(track.start_thinking_audio(config))
        else:
            track.stop_thinking_audio()

    async def play_background_audio(self, config: Any = None) -> None:
        """Mix a background sound (ambience, hold music) under the agent's voice."""
        if self.output_track is not None:
            await self.output_track.start_background(config or self.background_audio_config)

    async def stop_background_audio(self) -> None:
        if self.output_track is not None:
            self.output_track.stop_background()

    # ---- history and handoffs ----------------------------------------------------------------

    def get_context_history(
        self, *, include_function_calls: bool = False, include_system_messages: bool = False
    ) -> list[dict[str, Any]]:
        ctx = self.agent.chat_context.copy(
            tools=None if include_function_calls else [],
            exclude_system_messages=not include_system_messages,
        )
        return ctx.to_dict()["items"]

    def _wire_handoffs(self) -> None:
        from ..agent import Agent

        orchestrator = self.pipeline.orchestrator
        if orchestrator is not None:
            orchestrator.is_agent = lambda value: isinstance(value, Agent)
            orchestrator.on_handoff = self._handoff

    async def _handoff(self, old: Any, new: Any) -> None:
        await hand_over(self, old, new)
        self.emit("agent_handoff", {"from": old.name, "to": new.name})
