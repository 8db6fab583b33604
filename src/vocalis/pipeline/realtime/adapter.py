"""A realtime speech-to-speech model seen by the orchestrator as a listener, a responder and a
voice, so turn state, barge-in and recording work the same as in a cascaded pipeline.

Sub-modes: FULL_S2S (the model hears, decides turns and speaks), HYBRID_STT (our VAD, STT and
turn-taking hear; the model answers the committed text and speaks), HYBRID_TTS (the model hears
and writes; our TTS speaks its text) and LLM_ONLY (our STT feeds the model; text out).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from ...knowledge_base.injection import retrieve_for_transcript
from ...llm.items import ChatRole, FunctionCallOutput
from ...metrics import TurnMetrics
from ...stt import SpeechEventType
from ...utils.clock import now
from ...utils.tasks import TaskGroup
from ..events import AgentText, RealtimeFunctionExecuted, RealtimeTranscription, ToolsExecuted
from ..modes import RealtimeMode
from ..states import AgentState
from ..understanding.stage import InputChunk, InputStage
from ..utterance import UtteranceHandle, new_utterance_id
from .model_speech import ModelAudioSink, ModelSpeech

if TYPE_CHECKING:
    from ...realtime.base import RealtimeBaseModel
    from ..turns.orchestrator import Orchestrator

logger = logging.getLogger("vocalis.pipeline.realtime")

_AGENT_ROLES = {"agent", "assistant", "model"}
INPUT_BACKLOG_SECONDS = 2.0


class RealtimeAdapter:
    """Wires a ``RealtimeBaseModel`` to the orchestrator (see the module docstring)."""

    def __init__(self, model: RealtimeBaseModel, mode: RealtimeMode, orchestrator: Orchestrator):
        self.model = model
        self.mode = mode
        self.orchestrator = orchestrator
        self.link = orchestrator.link
        self._tasks = TaskGroup("vocalis.realtime", on_error=self.link.report_error)
        self._muted = False
        self._sink: ModelAudioSink | None = None
        self._speech: ModelSpeech | None = None
        self._input: InputStage | None = None
        self._audio_sent_s = 0.0
        self._audio_sent_at: float | None = None
        self._answer: UtteranceHandle | None = None
        self._text_only = False
        self._handlers: list[tuple[str, Any]] = []
        self._wire()

    @property
    def hears(self) -> bool:
        """The model hears the user itself (FULL_S2S, HYBRID_TTS)."""
        return self.mode in (RealtimeMode.FULL_S2S, RealtimeMode.HYBRID_TTS)

    @property
    def speaks(self) -> bool:
        """The model's own voice is played (FULL_S2S, HYBRID_STT)."""
        return self.mode in (RealtimeMode.FULL_S2S, RealtimeMode.HYBRID_STT)

    def _wire(self) -> None:
        on = self._on
        if self.hears:
            on("user_speech_started", lambda _d=None: self._spawn(self._user_started()))
            on("user_speech_ended", lambda data=None: self._spawn(self._user_ended(data)))
        on("realtime_model_transcription", self._on_transcription)
        on("realtime_model_function_executed", self._on_function_executed)
        on("llm_text_output", self._on_text_output)
        on("error", lambda err=None: self.link.report_error("realtime", str(err)))
        if self.hears:
            self._input = InputStage(
                "realtime", self._send_audio, sample_rate=self.model.input_sample_rate,
                max_seconds=INPUT_BACKLOG_SECONDS, on_error=self.orchestrator.report_stage_error,
                on_drop=self.orchestrator.report_drop, tasks=self._tasks,
            )

    def _on(self, event: str, handler: Any) -> None:
        self.model.on(event, handler)
        self._handlers.append((event, handler))

    def _spawn(self, coro: Any) -> None:
        self._tasks.spawn(coro, name="vocalis.realtime.event")

    # ---- output wiring -----------------------------------------------------------------------

    def set_track(self, track: Any) -> None:
        """The model writes its voice through one sink that follows the current utterance."""
        if not self.speaks or track is None:
            self._sink = None
            self.model.audio_track = None
            return
        self._sink = ModelAudioSink(
            track, self.model.output_sample_rate, on_start=self._on_model_audio,
            on_interrupt=self._on_model_interrupt,
        )
        self.model.audio_track = None if self._text_only else self._sink

    def set_text_only(self, enabled: bool) -> None:
        """Text-mode runs: the model's audio is not played (its transcript is recorded)."""
        self._text_only = enabled
        self.model.audio_track = None if enabled else self._sink

    async def start(self) -> None:
        self.model.loop = asyncio.get_running_loop()
        self.model.set_agent(self.link.agent)
        await self.model.connect()

    def set_agent(self, agent: Any) -> None:
        self.model.set_agent(agent)

    # ---- Listener (FULL_S2S, HYBRID_TTS) -------------------------------------------------------

    def push_audio(self, chunk: InputChunk) -> None:
        if self._input is None:
            return
        if self._muted:
            chunk = InputChunk(bytes(len(chunk.pcm)), chunk.sample_rate, chunk.arrived_at)
        self._input.push(chunk)

    def set_muted(self, muted: bool) -> None:
        self._muted = muted

    def end_of_speech(self) -> None:
        """The model finalizes its own transcripts."""

    async def transcripts_settled(self) -> None:
        """Nothing is asked of the model, so nothing is pending."""

    @property
    def final_in_flush(self) -> bool:
        """The model's transcripts come when it likes."""
        return False

    async def _send_audio(self, pcm: bytes, arrived_at: float) -> None:
        await self.model.handle_audio_input(pcm)
        self._audio_sent_s += len(pcm) / 2 / self.model.input_sample_rate
        self._audio_sent_at = arrived_at

    async def _user_started(self) -> None:
        await self.orchestrator.user_speech_started()

    async def _user_ended(self, data: Any) -> None:
        await self.orchestrator.user_speech_ended(self._speech_end_time(data))

    def _speech_end_time(self, data: Any) -> float:
        """The arrival time of the user's last voiced audio, from the model's ``audio_end_ms``
        (a position in all the audio sent this session)."""
        end_ms = data.get("audio_end_ms") if isinstance(data, dict) else None
        if not isinstance(end_ms, (int, float)) or self._audio_sent_at is None:
            return now()
        return min(self._audio_sent_at - (self._audio_sent_s - end_ms / 1000), now())

    # ---- Responder -----------------------------------------------------------------------------

    async def respond(self, text: str, metrics: TurnMetrics) -> UtteranceHandle:
        """A committed user turn (typed, or heard by our STT): the model answers it. The
        handle is done once the answer's final transcript is recorded."""
        self._settle_answer()
        answer = self._answer = UtteranceHandle(new_utterance_id())
        self.link.set_agent_state(AgentState.THINKING)
        knowledge = await retrieve_for_transcript(self.link.agent, text)
        if knowledge is not None:
            metrics.knowledge_base_ms = knowledge.duration_ms
        try:
            await self.model.send_text_message(knowledge.enrich(text) if knowledge else text)
        except Exception as exc:
            self.link.report_error("realtime", exc)
            self._settle_answer()
        return answer

    def _settle_answer(self) -> None:
        answer, self._answer = self._answer, None
        if answer is not None and not answer.done():
            answer._mark_done()

    async def say(self, text: str, handle: UtteranceHandle) -> None:
        """``session.say``: the model speaks ``text``."""
        await self._model_utterance(handle, kind="say")
        self._record(ChatRole.ASSISTANT, text)
        try:
            await self.model.send_message(text)
        except Exception as exc:
            self.link.report_error("realtime", exc)
            self._finish_current()

    async def reply(
        self, instructions: str | None, handle: UtteranceHandle, frames: list[Any] | None = None
    ) -> None:
        """``session.reply``: the model answers with ``instructions`` in mind (and sees
        ``frames`` when it takes images: ``send_message_with_frames``)."""
        await self._model_utterance(handle, kind="reply")
        with_frames = getattr(self.model, "send_message_with_frames", None) if frames else None
        try:
            if with_frames is not None:
                await with_frames(instructions or "", frames)
                return
            await self.model.send_text_message(instructions or "")
        except Exception as exc:
            self.link.report_error("realtime", exc)
            self._finish_current()

    async def _model_utterance(self, handle: UtteranceHandle, *, kind: str) -> None:
        self.model.current_utterance = handle
        if self.speaks:
            self._speech = self._new_speech()
            await self.orchestrator.utterances.start_external(handle, self._speech, kind=kind)
        else:
            self.link.set_agent_state(AgentState.THINKING)

    def _new_speech(self) -> ModelSpeech:
        assert self._sink is not None
        return ModelSpeech(self.model, self._sink, on_done=self._finish_current)

    # ---- the model's voice ---------------------------------------------------------------------

    async def _on_model_audio(self) -> None:
        """The first audio of a model response: make (or join) its utterance."""
        current = self.orchestrator.utterances.current
        speech = current.speech if current is not None else None
        if current is not None and isinstance(speech, ModelSpeech) and not speech.started:
            speech.mark_started()
            self.orchestrator.utterance_speaking(current)
            return
        self._speech = speech = self._new_speech()
        speech.mark_started()
        await self.orchestrator.model_reply_started(speech)

    def _on_model_interrupt(self) -> None:
        """The model cut its own answer short (its server heard the user)."""
        current = self.orchestrator.utterances.current
        if current is not None and isinstance(current.speech, ModelSpeech):
            current.speech.stopped_by_model()
            self._spawn(self.orchestrator.interrupt(force=True))

    def _finish_current(self) -> None:
        current = self.orchestrator.utterances.current
        if current is not None and isinstance(current.speech, ModelSpeech):
            self.orchestrator.utterances.finish(current)
        self.model.current_utterance = None

    # ---- the model's text and tools ------------------------------------------------------------

    def _on_transcription(self, data: dict[str, Any]) -> None:
        self.link.publish(RealtimeTranscription(data))
        if not data.get("is_final"):
            return
        text = str(data.get("text", "")).strip()
        if not text:
            return
        if data.get("role") not in _AGENT_ROLES:
            if self.hears:
                self._spawn(self.orchestrator.user_words(SpeechEventType.FINAL, text, 1.0))
            return
        self._on_agent_text(text)
        self._settle_answer()

    def _on_agent_text(self, text: str) -> None:
        self.link.publish(AgentText(text))
        current = self.orchestrator.utterances.current
        if self.mode is RealtimeMode.HYBRID_TTS:
            self._record(ChatRole.ASSISTANT, text)
            handle = UtteranceHandle(new_utterance_id())
            self._spawn(self.orchestrator.utterances.start_say(
                handle, text, add_to_chat_context=False))
            return
        if current is not None and isinstance(current.speech, ModelSpeech):
            current.speech.text = text
            current.metrics.agent_text = text
            if current.kind == "say":
                return
        self._record(ChatRole.ASSISTANT, text)
        if not self.speaks and self.mode is not RealtimeMode.HYBRID_TTS:
            handle = self.model.current_utterance
            if handle is not None and not handle.done():
                handle._mark_done()
            self.model.current_utterance = None
            self.link.set_agent_state(AgentState.IDLE)

    def _on_function_executed(self, data: dict[str, Any]) -> None:
        self.link.publish(RealtimeFunctionExecuted(data))
        ctx = self.link.agent.chat_context if self.link.agent is not None else None
        call_id = str(data.get("call_id", ""))
        if ctx is None or any(
            isinstance(i, FunctionCallOutput) and i.call_id == call_id for i in ctx.items
        ):
            return
        arguments = data.get("arguments", "{}")
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments)
        ctx.add_function_call(name=data.get("name", ""), arguments=arguments, call_id=call_id)
        ctx.add_function_output(
            name=data.get("name", ""), output=str(data.get("output", "")), call_id=call_id,
            is_error=bool(data.get("is_error", False)),
        )
        self.link.publish(ToolsExecuted(data))

    def _on_text_output(self, data: dict[str, Any]) -> None:
        """The plain ``llm`` hooks observe the model's text (its audio cannot be changed)."""
        text = data.get("text", "") if isinstance(data, dict) else ""
        if text:
            self._spawn(self.orchestrator.hooks.llm_generated(text))

    def _record(self, role: ChatRole, text: str) -> None:
        """Record a final transcript unless it repeats the last message of that role."""
        agent = self.link.agent
        if agent is None:
            return
        messages = [m for m in agent.chat_context.messages() if m.role is role]
        if messages and messages[-1].text_content.strip() == text.strip():
            return
        agent.chat_context.add_message(role, text, agent_id=getattr(agent, "id", None))

    # ---- lifecycle ---------------------------------------------------------------------------

    async def aclose(self) -> None:
        self._settle_answer()
        for event, handler in self._handlers:
            self.model.off(event, handler)
        self._handlers.clear()
        if self._input is not None:
            await self._input.aclose()
        await self._tasks.aclose()
        try:
            await self.model.aclose()
        except Exception:
            logger.warning("closing the realtime model failed", exc_info=True)
