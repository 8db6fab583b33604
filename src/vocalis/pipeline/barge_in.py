"""What user speech over the agent means: nothing, a pause, an interruption, or a resume.

``BargeIn`` is the one place that applies the ``InterruptionPolicy`` to the agent's current
utterance: enough voiced audio pauses it (tentatively), real words confirm the interruption,
backchannels are counted and ignored, and a pause with no real words after it is a false
interruption: the agent resumes where it stopped.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..metrics import SessionMetrics
from ..utils.clock import now
from ..utils.events import EventEmitter
from ..utils.tasks import TaskGroup
from .active_reply import ActiveReply
from .config import InterruptConfig
from .replies import ReplyRunner
from .turn_taking import InterruptDecision, InterruptionPolicy, count_words, is_backchannel


class BargeIn(EventEmitter[str]):
    """Events: ``interrupted``, ``false_interruption``, ``backchannel`` ({"text"})."""

    def __init__(
        self,
        replies: ReplyRunner,
        policy: InterruptionPolicy,
        *,
        config: InterruptConfig,
        tasks: TaskGroup,
        metrics: SessionMetrics,
    ) -> None:
        super().__init__()
        self.replies = replies
        self.policy = policy
        self.config = config
        self._tasks = tasks
        self._metrics = metrics
        self._user_speaking = False
        self._speech_started_at = 0.0
        self._watch: asyncio.Task[None] | None = None
        self._resume_timer: asyncio.Task[None] | None = None

    # ---- the user's voice --------------------------------------------------------------------

    def on_speech_start(self) -> None:
        """The user started speaking: if the agent has the floor, watch how long it lasts."""
        self._user_speaking = True
        self._speech_started_at = now()
        _cancel(self._resume_timer)
        reply = self.replies.current
        if reply is not None and reply.interruptible:
            self._watch = self._tasks.spawn(self._watch_speech(reply), name="vocalis.barge_in")

    def on_speech_end(self) -> None:
        """The user stopped: a paused agent resumes unless real words arrive in time."""
        self._user_speaking = False
        _cancel(self._watch)
        reply = self.replies.current
        if reply is not None and reply.speech is not None and reply.speech.paused:
            self._resume_timer = self._tasks.spawn(self._resume_later(reply))

    async def _watch_speech(self, reply: ActiveReply) -> None:
        await asyncio.sleep(self.config.interrupt_min_duration)
        if self._user_speaking and self.replies.current is reply:
            decision = self.policy.on_speech_duration(now() - self._speech_started_at)
            await self._apply(reply, decision)

    # ---- the user's words --------------------------------------------------------------------

    async def on_words(self, text: str, confidence: float, *, final: bool) -> bool:
        """Words heard while the agent may have the floor; True when they start a user turn."""
        reply = self.replies.current
        if reply is None or reply.finished:
            return True
        if not reply.interruptible:
            return False
        if is_backchannel(text):
            if final:
                self._metrics.backchannels += 1
                self.emit("backchannel", {"text": text})
                self.resume_if_paused()
            return False
        decision = self.policy.on_transcript(text, confidence)
        paused = reply.speech is not None and reply.speech.paused
        if paused and count_words(text) > 0 and confidence >= self.config.interrupt_min_confidence:
            decision = InterruptDecision.INTERRUPT
        if decision is InterruptDecision.INTERRUPT:
            await self._apply(reply, decision)
            return True
        return False

    def resume_if_paused(self) -> None:
        """No real words followed the pause (nothing, or only a backchannel): resume now."""
        reply = self.replies.current
        if reply is not None and not self._user_speaking:
            _cancel(self._resume_timer)
            self._resume(reply)

    # ---- decisions ---------------------------------------------------------------------------

    async def _apply(self, reply: ActiveReply, decision: InterruptDecision) -> None:
        if decision is InterruptDecision.NONE or self.replies.current is not reply:
            return
        if decision is InterruptDecision.PAUSE and reply.speech is not None and reply.speech.has_audio:
            reply.speech.pause()
            return
        await self.interrupt(force=False)

    async def _resume_later(self, reply: ActiveReply) -> None:
        await asyncio.sleep(self.config.false_interrupt_pause_duration)
        self._resume(reply)

    def _resume(self, reply: ActiveReply) -> None:
        if self.replies.current is reply and reply.speech is not None and reply.speech.paused:
            reply.speech.resume()
            self._metrics.false_interruptions += 1
            self.emit("false_interruption", {})

    async def interrupt(self, *, force: bool) -> bool:
        """Stop the agent's current utterance (non-interruptible ones only with ``force``)."""
        reply = self.replies.current
        if reply is None or reply.finished:
            return False
        if not force and not reply.handle.is_interruptible:
            return False
        _cancel(self._resume_timer)
        await self.replies.stop(reply)
        self._metrics.interruptions += 1
        self.emit("interrupted", {})
        return True


def _cancel(task: asyncio.Task[Any] | None) -> None:
    if task is not None and not task.done() and task is not asyncio.current_task():
        task.cancel()
