"""``BargeIn``: the one place that decides what user speech over the agent does to it.

It follows one overlap at a time (from the user's first voiced audio while the agent has the
floor), asks the ``InterruptionStrategy`` on every new fact (duration, words, the audio
classifier's probability) and applies the answer to the current utterance: hold its voice
(tentative), stop it (confirmed), or let it go on (a backchannel). A held utterance with no
real words after it is a false interruption: the agent resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ...interruption import OverlappingSpeechEvent
from ...utils.clock import now
from ...utils.tasks import TaskGroup
from ..config import InterruptConfig
from ..events import Backchannel, FalseInterruption, Interrupted
from ..link import SessionLink
from .interruption import InterruptDecision, InterruptionStrategy, Overlap

if TYPE_CHECKING:
    from ..speaking.utterances import AgentUtterance, Utterances
    from ..understanding.overlap_audio import OverlapAudio


class BargeIn:
    """Applies the interruption strategy to the agent's current utterance."""

    def __init__(
        self,
        utterances: Utterances,
        strategy: InterruptionStrategy,
        *,
        config: InterruptConfig,
        tasks: TaskGroup,
        link: SessionLink,
    ) -> None:
        self.utterances = utterances
        self.strategy = strategy
        self.config = config
        self._tasks = tasks
        self._link = link
        self._user_speaking = False
        self._started_at = 0.0
        self._ended_at: float | None = None
        self._overlap: Overlap | None = None
        self._watch: asyncio.Task[None] | None = None
        self._resume_timer: asyncio.Task[None] | None = None
        self._final_heard = asyncio.Event()
        self._in_overlap = False
        self.overlap_audio: OverlapAudio | None = None
        """The call's stream into an audio classifier of overlaps, when the pipeline has one."""

    # ---- what the user does ------------------------------------------------------------------

    def speech_started(self, started_at: float | None = None) -> None:
        """The user's voice began (its first voiced sample arrived at ``started_at``): if the
        agent has the floor, follow this overlap."""
        self._user_speaking = True
        self._started_at = started_at if started_at is not None else now()
        self._ended_at = None
        self._final_heard.clear()
        _cancel(self._resume_timer)
        utterance = self._interruptible()
        self._overlap = Overlap(0.0, paused=self._is_paused(utterance)) if utterance else None
        self._in_overlap = utterance is not None
        if utterance is not None:
            self._watch = self._tasks.spawn(self._watch_duration(utterance), name="vocalis.barge_in")
            if self.overlap_audio is not None:
                self.overlap_audio.overlap_started(
                    speech_duration=max(0.0, now() - self._started_at), started_at=self._started_at
                )

    def speech_ended(self, speech_end_at: float | None = None) -> None:
        """The user's voice stopped (its last voiced sample arrived at ``speech_end_at``): a held
        agent resumes unless real words arrive in time."""
        self._user_speaking = False
        self._ended_at = speech_end_at if speech_end_at is not None else now()
        _cancel(self._watch)
        if self._in_overlap and self.overlap_audio is not None:
            self.overlap_audio.overlap_ended(now())
        self._in_overlap = False
        utterance = self.utterances.current
        if utterance is not None and self._is_paused(utterance):
            self._resume_timer = self._tasks.spawn(self._resume_later(utterance))

    def agent_speaking(self, speaking: bool) -> None:
        """The agent started or stopped speaking (the classifier scores overlaps only then)."""
        if self.overlap_audio is not None:
            self.overlap_audio.agent_speaking(speaking)

    async def words(self, text: str, confidence: float, *, final: bool) -> bool:
        """Words heard while the agent may have the floor; True when they start a user turn."""
        utterance = self.utterances.current
        if utterance is None or utterance.finished:
            return True
        if not utterance.interruptible:
            return False
        voiced = (self._ended_at if self._ended_at is not None else now()) - self._started_at
        overlap = replace(
            self._overlap or Overlap(voiced), seconds=max(0.0, voiced),
            text=text, confidence=confidence, final=final, paused=self._is_paused(utterance),
        )
        self._overlap = overlap
        if final:
            self._final_heard.set()
        else:
            self._final_heard.clear()
        decision = self.strategy.decide(overlap)
        if decision is InterruptDecision.BACKCHANNEL:
            if final:
                self._link.metrics.backchannels += 1
                self._link.publish(Backchannel(text))
                self.resume_if_paused()
            return False
        if decision is InterruptDecision.INTERRUPT:
            await self._apply(utterance, decision)
            return True
        return False

    def is_backchannel(self, text: str) -> bool:
        """Listener feedback ("mm-hmm", "uh-huh") that is never the user's turn by itself."""
        return self.strategy.backchannel.is_backchannel(text)

    async def audio_verdict(self, event: OverlappingSpeechEvent) -> None:
        """The audio classifier decided on the overlap: an interruption (hold the agent's voice
        as soon as the strategy trusts it), or at its end not one (its peak then vetoes what
        the STT makes of it)."""
        if self._overlap is None:
            return
        self._overlap = replace(
            self._overlap, audio_verdict=event.is_interruption, audio_peak=event.peak_probability
        )
        utterance = self._interruptible()
        if utterance is not None and event.is_interruption and self._user_speaking:
            self._tasks.spawn(self._act_on_verdict(utterance), name="vocalis.barge_in.verdict")

    async def _act_on_verdict(self, utterance: AgentUtterance) -> None:
        """Apply an "interruption" verdict once the overlap is long enough to trust it."""
        due = self._started_at + self.strategy.min_audio_seconds
        await asyncio.sleep(max(0.0, due - now()))
        if not self._user_speaking or self.utterances.current is not utterance or not self._overlap:
            return
        seconds = max(now() - self._started_at, self.strategy.min_audio_seconds)
        self._overlap = replace(self._overlap, seconds=seconds, paused=self._is_paused(utterance))
        decision = self.strategy.decide(self._overlap)
        if decision in (InterruptDecision.INTERRUPT, InterruptDecision.PAUSE):
            await self._apply(utterance, decision)

    @property
    def holds_agent(self) -> bool:
        """Whether the agent's current utterance is paused by an overlap."""
        return self._is_paused(self.utterances.current)

    def finals_in(self) -> None:
        """Every final transcript of the user's last speech is in (the STT pushes them before
        its flush returns). If none came and all the STT heard over the paused agent was
        nothing or listener feedback (a local decoder's final may hear nothing in a hum its
        interim spelled out), resume now rather than after the whole false-interruption
        pause. A cloud stream's final may still be on its way when its flush returns: it never
        gets here."""
        overlap = self._overlap
        if self._user_speaking or overlap is None or overlap.final:
            return
        if not overlap.text or self.is_backchannel(overlap.text):
            self.resume_if_paused()

    def resume_if_paused(self) -> None:
        """No real words followed the pause (nothing, or only a backchannel): resume now."""
        utterance = self.utterances.current
        if utterance is not None and not self._user_speaking:
            _cancel(self._resume_timer)
            self._resume(utterance)

    async def _watch_duration(self, utterance: AgentUtterance) -> None:
        """Decide by duration once the voice has lasted ``interrupt_min_duration`` after the VAD
        confirmed it (the VAD's own minimum keeps short sounds out; counting from the first
        voiced sample instead would hold the agent for a cough still inside the VAD's silence
        window)."""
        await asyncio.sleep(self.config.interrupt_min_duration)
        if self._user_speaking and self.utterances.current is utterance and self._overlap:
            # The clock may read a hair under the wait (float steps): the wait itself is the floor.
            seconds = max(now() - self._started_at, self.config.interrupt_min_duration)
            self._overlap = replace(self._overlap, seconds=seconds)
            decision = self.strategy.decide(self._overlap)
            if decision is not InterruptDecision.BACKCHANNEL:
                await self._apply(utterance, decision)

    # ---- applying decisions ------------------------------------------------------------------

    async def _apply(self, utterance: AgentUtterance, decision: InterruptDecision) -> None:
        if decision is InterruptDecision.NONE or self.utterances.current is not utterance:
            return
        speech = utterance.speech
        if decision is InterruptDecision.PAUSE and speech is not None and speech.has_audio:
            speech.pause()
            return
        await self.interrupt(force=False)

    async def _resume_later(self, utterance: AgentUtterance) -> None:
        """Resume after the pause; words still being transcribed (an interim with no final
        yet) get one more pause's time to arrive, so "wait, stop" decoded late still stops."""
        wait = self.config.false_interrupt_pause_duration
        await asyncio.sleep(wait)
        overlap = self._overlap
        if overlap is not None and overlap.text and not self._final_heard.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._final_heard.wait(), wait)
        self._resume(utterance)

    def _resume(self, utterance: AgentUtterance) -> None:
        speech = utterance.speech
        if self.utterances.current is utterance and speech is not None and speech.paused:
            speech.resume()
            self._link.metrics.false_interruptions += 1
            self._link.publish(FalseInterruption())

    async def interrupt(self, *, force: bool) -> bool:
        """Stop the agent's current utterance (non-interruptible ones only with ``force``)."""
        utterance = self.utterances.current
        if utterance is None or utterance.finished:
            return False
        if not force and not utterance.handle.is_interruptible:
            return False
        _cancel(self._resume_timer)
        await self.utterances.stop(utterance)
        self._link.metrics.interruptions += 1
        self._link.publish(Interrupted(utterance.handle.id))
        return True

    def _interruptible(self) -> AgentUtterance | None:
        utterance = self.utterances.current
        return utterance if utterance is not None and utterance.interruptible else None

    @staticmethod
    def _is_paused(utterance: AgentUtterance | None) -> bool:
        return bool(utterance is not None and utterance.speech is not None and utterance.speech.paused)

    def cancel(self) -> None:
        """Stop watching (the runtime is closing)."""
        _cancel(self._watch)
        _cancel(self._resume_timer)


def _cancel(task: asyncio.Task[Any] | None) -> None:
    if task is not None and not task.done() and task is not asyncio.current_task():
        task.cancel()
