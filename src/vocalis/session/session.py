"""``AgentSession``: one conversation between a user and an agent over a pipeline.

The session fills the pipeline's ``SessionLink`` once (the agent, how to hand over to another
agent) and shares its event bus: every event of the call is published there once, typed, and
``session.on("agent_state_changed", ...)`` reads the same bus by the reference's names. It
exposes the speaking APIs (``say``, ``reply``, ``interrupt``), text-mode turns for tests
(``run``), the wake-up timer, handoffs, and the session's metrics.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

from ..agent import Agent
from ..audio import OutputTrack
from ..audio.background import BackgroundAudioConfig
from ..audio.output_track import THINKING_LAYER
from ..llm.items import ChatRole
from ..metrics import SessionMetrics
from ..pipeline.events import (
    AgentHandoffEvent,
    AgentStateChanged,
    EventBus,
    HangupRequested,
    SessionClosed,
    UserActivity,
    UserTranscript,
    VoicemailBeep,
    VoicemailResult,
)
from ..pipeline.pipeline import Pipeline
from ..pipeline.states import AgentState, UserState
from ..pipeline.utterance import UtteranceHandle, new_utterance_id
from ..telephony.beep import Beep
from ..telephony.errors import TransferError
from ..utils.clock import now
from ..utils.current_job import current_job
from ..utils.tasks import TaskGroup
from .handoff import new_agent_context, record_handoff
from .observability import RecordingOptions, warn_cloud_observability
from .recording import CallRecording, recording_options, recording_path
from .run_result import RunResult, event_for
from .voicemail import BeepWatch, VoicemailCheck
from .wake_up import WakeUpTimer

logger = logging.getLogger("vocalis.session")


class AgentSession:
    """Runs an ``Agent`` on a ``Pipeline``.

    Events (typed classes in ``vocalis.pipeline.events``; by name, the reference's payloads):
    ``agent_state_changed`` and ``user_state_changed`` ({"state"}), ``user_transcript``,
    ``transcript_ready``, ``agent_text``, ``metrics_collected`` (TurnMetrics),
    ``function_tools_executed``, ``interrupted``, ``false_interruption``, ``backchannel``,
    ``agent_handoff``, ``error`` ({"source", "error", "recoverable"}), ``dtmf``, ``hangup``,
    ``close``.
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
        self.pipeline = pipeline
        self.link = pipeline.link
        self.wake_up = wake_up
        self.on_wake_up: Callable[[], Any] | None = None
        self.background_audio_config = background_audio
        self.dtmf_handler = dtmf_handler
        self.voice_mail_detector = voice_mail_detector
        self.output_track = output_track
        self.room: Any = None
        self.recording: CallRecording | None = None
        self._warm_transfer: asyncio.Task[Any] | None = None
        self._audio_taps: list[Callable[[bytes, int, float], None]] = []
        self._current_utterance: UtteranceHandle | None = None
        self._tasks = TaskGroup("vocalis.session", on_error=self.link.report_error)
        self._wake_up: WakeUpTimer | None = None
        self._reply_in_progress = False
        self._override_thinking = True
        self._thinking_was_playing = False
        self._started = False
        self._closed = False
        self.link.is_agent = lambda value: isinstance(value, Agent)
        self.link.hand_over = self._hand_over
        self.bus.subscribe(UserActivity, self._on_activity)
        self.bus.subscribe(AgentStateChanged, self._on_agent_state)
        self._is_voice_mail_detected = False
        self._voicemail_check: VoicemailCheck | None = None
        self._beep_watch: BeepWatch | None = None
        if voice_mail_detector is not None:
            pipeline.set_voice_mail_detector(voice_mail_detector)
        self.bus.subscribe(UserTranscript, self._on_user_transcript)
        agent.session = self
        pipeline.set_agent(agent)

    # ---- events ------------------------------------------------------------------------------

    @property
    def bus(self) -> EventBus:
        return self.pipeline.bus

    def on(self, event: Any, callback: Callable[..., Any] | None = None) -> Any:
        """Subscribe to an event by name or by class; works as a decorator."""
        if callback is None:
            return lambda func: self.on(event, func)
        return self.bus.subscribe(event, callback)

    def off(self, event: Any, callback: Callable[..., Any]) -> None:
        self.bus.unsubscribe(event, callback)

    def once(self, event: str, callback: Callable[..., Any]) -> Callable[..., Any]:
        return self.bus.once(event, callback)

    def emit(self, event: str, *args: Any) -> None:
        """Publish a named event of your own on the session's bus."""
        self.bus.emit(event, *args)

    # ---- state -------------------------------------------------------------------------------

    @property
    def agent(self) -> Any:
        return self.link.agent

    @property
    def agent_state(self) -> AgentState | None:
        return self.link.agent_state

    @property
    def user_state(self) -> UserState | None:
        return self.link.user_state

    @property
    def current_utterance(self) -> UtteranceHandle | None:
        """The handle of what the agent says now, else of what it said last (the reply to the
        user's latest turn included, as in the reference; ``interrupted`` tells a tool that the
        user cut in)."""
        latest = self.pipeline.current_utterance or self.pipeline.last_utterance
        if latest is not None:
            self._current_utterance = latest
        return self._current_utterance

    @current_utterance.setter
    def current_utterance(self, handle: UtteranceHandle | None) -> None:
        self._current_utterance = handle

    @property
    def metrics(self) -> SessionMetrics:
        """Every turn's figures, interruption counts and errors for this session."""
        return self.link.metrics

    def _on_activity(self, event: UserActivity) -> None:
        if self._wake_up is not None and not self._reply_in_progress:
            self._wake_up.reset()

    def _on_agent_state(self, event: AgentStateChanged) -> None:
        if event.state is AgentState.THINKING:
            self._tasks.spawn(self.start_thinking_audio())
        else:
            self.stop_thinking_audio()

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(
        self,
        wait_for_participant: bool = False,
        run_until_shutdown: bool = False,
        *,
        observability: Any = None,
        **kwargs: Any,
    ) -> None:
        """Start the pipeline, enter the agent (its greeting), start the wake-up timer.

        ``observability`` (``ObservabilityOptions``) is kept on the job's room options as in
        the reference, where the job's observers read it (traces, metrics and logs over OTLP,
        ``vocalis.telemetry``). Its ``recording`` (or ``RoomOptions(recording=True)``) records
        the call to local files; the call history keeps the file's path."""
        if self._started:
            return
        job = current_job()
        if observability is not None:
            warn_cloud_observability(observability)
            options = getattr(job, "room_options", None)
            if options is not None:
                options.observability = observability
        if run_until_shutdown and job is not None:
            await job.run_until_shutdown(session=self, wait_for_participant=wait_for_participant)
            return
        recording = recording_options(job, observability)
        recording_file = None
        if recording is not None:
            call_id = getattr(getattr(job, "room", None), "room_id", None) or self.agent.id
            recording_file = recording_path(recording, call_id)
            if job is not None:
                job.metadata.setdefault("recording_url", str(recording_file))
        if job is not None:
            await job.session_starting(self)
        self.link.set_agent_state(AgentState.STARTING)
        await self.agent.initialize_mcp()
        if self.output_track is None and self.pipeline.audio_track is None:
            self.output_track = OutputTrack()
        if self.output_track is not None:
            self.pipeline.set_audio_track(self.output_track)
        await self.pipeline.start()
        if getattr(getattr(job, "room_options", None), "vision", False):
            self.pipeline.vision = True
        if job is not None and job.room is not None:
            self.room = job.room
            job.room.attach_session(self)
            job.add_shutdown_callback(self.close)
        self._started = True
        detector = self.voice_mail_detector or self.pipeline.voice_mail_detector
        if getattr(detector, "beep_detection", False):
            self._beep_watch = BeepWatch(self._on_beep)
            self.on_user_audio(self._beep_watch.push)
        if recording is not None:
            await self.start_recording(recording, path=recording_file)
        if getattr(self.room, "is_answered", True) is False:
            self._tasks.spawn(self._enter_when_answered(), name="vocalis.session.ringing")
            return
        await self._begin()

    async def _enter_when_answered(self) -> None:
        """An outbound call: the greeting waits until the callee answers (as the reference
        does for SIP participants); no answer, no greeting."""
        if await self.room.wait_until_answered() and not self._closed:
            await self._begin()

    async def _begin(self) -> None:
        await self._enter(self.agent)
        if self.wake_up and self.on_wake_up is not None:
            self._wake_up = WakeUpTimer(
                self.wake_up, self._fire_wake_up, can_fire=self._may_wake_up, tasks=self._tasks
            )
            self._wake_up.reset()
        if self.pipeline.current_utterance is None and self.agent_state in (
            AgentState.STARTING, None,
        ):
            self.link.set_agent_state(AgentState.IDLE)

    async def _enter(self, agent: Any) -> bool:
        try:
            await agent.on_enter()
        except Exception as exc:
            logger.exception("on_enter of %s failed", getattr(agent, "name", agent))
            self.link.report_error("agent", exc)
            return False
        return True

    def _may_wake_up(self) -> bool:
        return (
            not self._closed
            and not self._reply_in_progress
            and self.pipeline.current_utterance is None
            and self.user_state is not UserState.SPEAKING
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
        self.link.set_agent_state(AgentState.CLOSING)
        if self._wake_up is not None:
            self._wake_up.cancel()
        for step, action in (("on_exit", self.agent.on_exit), ("pipeline", self.pipeline.cleanup),
                             ("cleanup", self.agent.cleanup)):
            try:
                await action()
            except Exception:
                logger.exception("closing the session: %s failed", step)
        if self.recording is not None:
            await self.recording.stop()
        if self.output_track is not None:
            await self.output_track.aclose()
        await self._tasks.aclose()
        self.link.publish(SessionClosed())

    leave = close

    async def hangup(self, reason: str = "manual_hangup") -> None:
        """End the call: the transport hangs up, then the session closes."""
        self.link.publish(HangupRequested(reason))
        self._tasks.spawn(self.close(), name="vocalis.hangup")

    # ---- input -------------------------------------------------------------------------------

    async def push_audio(
        self, pcm: bytes, sample_rate: int, *, arrived_at: float | None = None
    ) -> None:
        """User audio from a transport (16-bit mono PCM), stamped when it arrived."""
        if self._closed:
            return
        if self._audio_taps:
            stamp = arrived_at if arrived_at is not None else now()
            for tap in list(self._audio_taps):
                tap(pcm, sample_rate, stamp)
        await self.pipeline.on_audio_delta(pcm, sample_rate, arrived_at=arrived_at)

    def push_video(self, frame: Any) -> None:
        """A video frame from the user's camera or screen (kept while vision is on)."""
        if not self._closed:
            self.pipeline.on_video_delta(frame)

    def on_user_audio(
        self, callback: Callable[[bytes, int, float], None]
    ) -> Callable[[], None]:
        """Call ``callback(pcm, sample_rate, arrived_at)`` for all the user's audio as it comes
        from the transport (recording, beep detection); returns a function that stops it."""
        self._audio_taps.append(callback)
        return lambda: self._audio_taps.remove(callback) if callback in self._audio_taps else None

    # ---- recording ---------------------------------------------------------------------------

    async def start_recording(
        self, options: RecordingOptions | None = None, *, path: Path | None = None
    ) -> Path | None:
        """Record this call (both sides) from now on, as ``options`` say (default
        ``RecordingOptions()``), to ``path`` (default: from the options); returns the file's
        path (None if it failed: see the ``recording_failed`` event). Recording is per call:
        ``stop_recording`` ends it."""
        if self.recording is not None and self.recording.active:
            return self.recording.path
        options = options or RecordingOptions()
        call_id = getattr(self.room, "room_id", None) or self.agent.id
        path = path or recording_path(options, call_id)
        self.recording = CallRecording(self, options, path)
        self.recording.start()
        return self.recording.path if self.recording.active else None

    async def stop_recording(self) -> None:
        """Finish the recording (the file is complete once ``recording_stopped`` is out)."""
        if self.recording is not None:
            await self.recording.stop()

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
        with self.pipeline.text_mode():
            contexts = [self.agent.chat_context]
            before = {item.id for item in self.agent.chat_context.items}
            handle = await self.pipeline.process_text(user_input)
            if handle is not None:
                await handle
            await self.pipeline.wait_until_quiet()
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
        if (
            self.pipeline.is_executing_tool
            and audio_data is None
            and self.pipeline.inject_say(handle, message)
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
        if self.pipeline.is_executing_tool:
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

    def interrupt(self, *, force: bool = False) -> asyncio.Future[bool]:
        """Stop the agent. A plain call, as in the reference (await it to wait until stopped).
        A non-interruptible utterance is only stopped with ``force=True``."""
        handle = self.pipeline.current_utterance or self.current_utterance
        if handle is not None and not handle.done() and not handle.is_interruptible and not force:
            logger.warning("interrupt ignored: the current utterance is not interruptible")
            refused: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            refused.set_result(False)
            return refused
        return self.pipeline.interrupt(force=force)

    # ---- background and thinking audio -------------------------------------------------------

    @property
    def _mixing_track(self) -> Any:
        track = self.output_track if self.output_track is not None else self.pipeline.audio_track
        return track if hasattr(track, "add_background_bytes") else None

    @property
    def is_background_audio_enabled(self) -> bool:
        """Whether the output mixes background sounds (always, once the session started:
        the reference needed ``RoomOptions(background_audio=True)``)."""
        return self._mixing_track is not None

    async def play_background_audio(
        self, config: Any = None, override_thinking: bool = True
    ) -> None:
        """Mix ``config``'s sound (default: the session's ``background_audio``, else quiet
        ambience) under the agent's voice. ``override_thinking=False`` makes it exclusive: a
        thinking sound stops, and comes back with ``stop_background_audio``."""
        track = self._mixing_track
        if track is None:
            logger.warning("Cannot play background audio: the session has no output track yet "
                           "(call it after session.start())")
            return
        config = config or self.background_audio_config or BackgroundAudioConfig(
            mode="mixing", synthetic="ambience")
        self._override_thinking = override_thinking
        if not override_thinking and track.stop_thinking_audio():
            self._thinking_was_playing = True
        await track.start_background(config)

    async def stop_background_audio(self) -> None:
        track = self._mixing_track
        if track is None:
            return
        track.stop_background()
        self._override_thinking = True
        if self._thinking_was_playing:
            self._thinking_was_playing = False
            if self.agent_state is AgentState.THINKING:
                await self.start_thinking_audio()

    async def start_thinking_audio(self) -> None:
        """Play the agent's thinking sound (``Agent.set_thinking_audio``), unless exclusive
        background audio is playing or it already plays."""
        track = self._mixing_track
        config = getattr(self.agent, "thinking_audio", None)
        if track is None or config is None or track.is_background_playing(THINKING_LAYER):
            return
        if not self._override_thinking and track.is_background_playing():
            self._thinking_was_playing = True
            return
        await track.start_thinking_audio(config)

    def stop_thinking_audio(self) -> None:
        track = self._mixing_track
        if track is not None:
            track.stop_thinking_audio()

    # ---- voicemail and telephony -------------------------------------------------------------

    def _on_user_transcript(self, event: UserTranscript) -> None:
        """The callee's first final words start the voicemail check, once per call, with the
        detector in effect then (``change_pipeline`` may have set one)."""
        check = self._voicemail() if event.is_final else None
        if check is not None:
            check.heard(event.text)

    def _voicemail(self) -> VoicemailCheck | None:
        detector = self.voice_mail_detector or self.pipeline.voice_mail_detector
        if self._voicemail_check is None and detector is not None:
            self.voice_mail_detector = detector
            self._voicemail_check = VoicemailCheck(
                detector, self._handle_voicemail_result, spawn=self._tasks.spawn
            )
        return self._voicemail_check

    def _on_beep(self, beep: Beep) -> None:
        self.link.publish(VoicemailBeep(beep.frequency, beep.duration))
        check = self._voicemail()
        if check is not None:
            check.beep()

    async def wait_for_beep(self, timeout: float | None = 20.0) -> Beep | None:
        """The answering machine's beep (at once if it was already heard), or None after
        ``timeout`` seconds; needs a ``VoiceMailDetector`` (``beep_detection=True``)."""
        if self._beep_watch is None:
            return None
        return await self._beep_watch.wait(timeout)

    @property
    def is_voicemail_detected(self) -> bool:
        """Whether the voicemail check said an answering machine took the call."""
        return self._is_voice_mail_detected

    async def _handle_voicemail_result(self, is_voicemail: bool) -> None:
        self._is_voice_mail_detected = is_voicemail
        self.link.publish(VoicemailResult(is_voicemail))
        callback = getattr(self.voice_mail_detector, "callback", None)
        if not is_voicemail or callback is None:
            return
        try:
            result = callback()
            if asyncio.iscoroutine(result):
                await result
        except Exception as exc:
            logger.exception("voicemail callback failed")
            self.link.report_error("voicemail", exc)

    async def call_transfer(self, token: str | None, transfer_to: str) -> None:
        """Cold transfer of this call to ``transfer_to`` (a SIP URI or a phone number): SIP
        REFER on SIP calls, the Twilio REST API on Twilio media-stream calls; the agent's leg
        ends once the transfer is accepted. ``token`` (the reference's VideoSDK token) is
        unused. The reference only logged a failure; here it raises ``TransferError`` (a tool
        can tell the LLM) and is also published as an ``error`` event."""
        transfer = getattr(self.room, "transfer", None)
        if transfer is None:
            transport = getattr(self.room, "transport", None)
            where = f"a {transport} connection" if transport else "no phone call"
            raise TransferError(f"call_transfer needs a phone call (this session has {where}): "
                                "use the SIP transport or a Twilio media stream")
        try:
            await transfer(transfer_to)
        except TransferError as exc:
            logger.warning("call transfer to %s failed: %s", transfer_to, exc)
            self.link.report_error("telephony", exc)
            raise

    async def warm_transfer(self, config: Any) -> Any:
        """Hand a SIP caller to a human after briefing them (``WarmTransferConfig``); returns
        a ``WarmTransferResult``. Progress is published as ``warm_transfer`` events. As in the
        reference, one at a time, and shielded: cancelling the calling tool (a barge-in) does
        not stop it."""
        from ..warm_transfer import WarmTransferConfig, WarmTransferError, WarmTransferRunner

        if self._warm_transfer is not None and not self._warm_transfer.done():
            raise WarmTransferError("A warm transfer is already in progress for this session.")
        if not isinstance(config, WarmTransferConfig):
            raise WarmTransferError("warm_transfer needs a WarmTransferConfig(destination=...): "
                                    "use it with the supervisor's SIP address")
        self._warm_transfer = self._tasks.spawn(WarmTransferRunner(self, config).run(),
                                                name="vocalis.warm_transfer")
        return await asyncio.shield(self._warm_transfer)

    def on_warm_transfer(self, phase: str | None = None, callback: Any = None) -> Any:
        """Subscribe to ``warm_transfer`` events (all, or one ``phase``); works as a decorator,
        as in the reference."""
        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            def filtered(payload: Any) -> None:
                value = getattr(payload.get("phase"), "value", payload.get("phase"))
                if phase is None or value == phase:
                    handler(payload)

            filtered.__name__ = f"{getattr(handler, '__name__', 'handler')}__phase_{phase}"
            self.bus.subscribe("warm_transfer", filtered)
            return handler

        return register(callback) if callback is not None else register

    # ---- history and handoffs ----------------------------------------------------------------

    def get_context_history(
        self, *, include_function_calls: bool = False, include_system_messages: bool = False
    ) -> list[dict[str, Any]]:
        ctx = self.agent.chat_context.copy(
            tools=None if include_function_calls else [],
            exclude_system_messages=not include_system_messages,
        )
        return ctx.to_dict()["items"]

    async def _hand_over(self, old: Any, new: Any) -> None:
        """Give ``new`` its history and enter it. As in the reference, ``old.on_exit()`` does
        not run here (agents often say goodbye there): ``on_exit`` is for the end of the
        session, where the agent of the moment runs it. If ``new`` fails to enter, the error
        is reported and ``old`` keeps the call. The old agent's MCP servers are released once
        the new agent has the call; the new agent's are started before it enters."""
        handoff = record_handoff(old, new)
        new_agent_context(old, new, handoff)
        new.session = self
        self.pipeline.set_agent(new)
        await new.initialize_mcp()
        if not await self._enter(new):
            old.chat_context.items.remove(handoff)
            self.pipeline.set_agent(old)
            return
        self.link.publish(AgentHandoffEvent(old.name, new.name))
        try:
            await old.cleanup()
        except Exception as exc:
            self.link.report_error("agent", exc)

