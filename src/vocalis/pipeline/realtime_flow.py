"""Runs a realtime speech-to-speech model inside the pipeline, reporting the same states,
events, history and metrics as the cascading orchestrator.

Sub-modes: FULL_S2S (the model hears and speaks), HYBRID_STT (our STT, VAD and turn-taking
decide the user's turn and send its text to the model, which speaks), HYBRID_TTS (the model
hears and writes, our TTS speaks its text) and LLM_ONLY (our STT feeds the model; text out).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from ..audio import StreamResampler
from ..knowledge_base.injection import retrieve_for_transcript
from ..llm.items import ChatMessage, ChatRole, FunctionCallOutput
from ..metrics import SessionMetrics, TurnMetrics
from ..utils.clock import now
from ..utils.events import EventEmitter
from ..utils.tasks import TaskGroup
from .components import Components
from .modes import RealtimeMode
from .replies import ReplyRunner
from .speech_output import SpeechAudioWriter
from .states import AgentState, UserState
from .utterance import UtteranceHandle

logger = logging.getLogger("vocalis.pipeline.realtime")

_AGENT_ROLES = {"agent", "assistant", "model"}


class RealtimeAudioWriter(SpeechAudioWriter):
    """The track a realtime model writes to: resamples, and passes completion and
    interruption through, since the model (not the orchestrator) drives its own turns."""

    def mark_synthesis_complete(self) -> None:
        self._track.mark_synthesis_complete()

    def interrupt(self) -> None:
        self._track.interrupt()
        self.open(self._on_first_audio)


class RealtimeFlow(EventEmitter[str]):
    """Wires a ``RealtimeBaseModel`` to the session (see the module docstring)."""

    def __init__(self, pipeline: Any) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.model = pipeline.realtime_model
        self.mode: RealtimeMode = pipeline.config.realtime_mode
        self._metrics = SessionMetrics()
        self.agent: Any = None
        self.current: UtteranceHandle | None = None
        self._track: Any = None
        self._writer: RealtimeAudioWriter | None = None
        self._resampler: StreamResampler | None = None
        self._resampler_rates: tuple[int, int] | None = None
        self._tasks = TaskGroup("vocalis.realtime")
        self._turn: TurnMetrics | None = None
        self._turn_seq = 0
        self._audio_sent_s = 0.0  #: seconds of user audio sent to the model
        self._audio_sent_at: float | None = None  #: clock reading of the last chunk sent
        self._speaker: ReplyRunner | None = None
        self._wire_model()

    @property
    def metrics(self) -> SessionMetrics:
        """The session's figures. In the hybrid modes the orchestrator (our STT and turn-taking)
        runs beside the model: both record into its one ``SessionMetrics``."""
        orchestrator = self.pipeline.orchestrator
        return orchestrator.metrics if orchestrator is not None else self._metrics

    # ---- wiring ------------------------------------------------------------------------------

    def _wire_model(self) -> None:
        m = self.model
        m.on("user_speech_started", lambda _d: self._on_user_speech_started())
        m.on("user_speech_ended", self._on_user_speech_ended)
        m.on("agent_speech_started", lambda _d: self._set_agent_state(AgentState.SPEAKING))
        m.on("realtime_model_transcription", self._on_transcription)
        m.on("realtime_model_function_executed", self._on_function_executed)
        m.on("llm_text_output", self._on_text_output)
        m.on("error", lambda err: self._report_error("realtime", err))

    def set_agent(self, agent: Any) -> None:
        self.agent = agent
        self.model.set_agent(agent)
        if self._speaker is not None:
            self._speaker.agent = agent

    def set_audio_track(self, track: Any) -> None:
        self._track = track
        if hasattr(track, "on_first_audio_out"):
            track.on_first_audio_out(self._on_first_audio_out)
        if self.mode is RealtimeMode.HYBRID_TTS:
            self.model.audio_track = None
            self._speaker = ReplyRunner(
                Components(tts=self.pipeline.tts, chunker=self.pipeline.chunker,
                           text_filter=self.pipeline.text_filter),
                hooks=self.pipeline.hooks,
                tasks=self._tasks,
                metrics=self.metrics,
                context_window=None,
                max_tool_steps=0,
            )
            self._speaker.agent = self.agent
            self._speaker.on("agent_state", self._set_agent_state)
            self._speaker.on("finished", lambda _r: self._on_agent_done())
            self._speaker.set_audio_track(track)
            return
        if self.mode is RealtimeMode.LLM_ONLY:
            return
        self._writer = RealtimeAudioWriter(track, self.model.output_sample_rate)
        self._writer.open()
        self.model.audio_track = self._writer
        track.on_last_audio_byte(self._on_agent_done_async)

    async def start(self) -> None:
        self.model.loop = asyncio.get_running_loop()
        orchestrator = self.pipeline.orchestrator
        if orchestrator is not None:
            orchestrator.on("transcript_ready", self._on_local_transcript)
        await self.model.connect()

    # ---- input -------------------------------------------------------------------------------

    async def push_audio(self, pcm: bytes, sample_rate: int) -> None:
        """User audio straight to the model (dropped while a non-interruptible utterance plays)."""
        if self.current is not None and not self.current.done() and not self.current.is_interruptible:
            return
        rate = self.model.input_sample_rate
        if self._resampler is None or self._resampler_rates != (sample_rate, rate):
            self._resampler = StreamResampler(sample_rate, rate)
            self._resampler_rates = (sample_rate, rate)
        data = self._resampler.push(pcm)
        if data:
            try:
                await self.model.handle_audio_input(data)
            except Exception as exc:
                self._report_error("realtime", exc)
            else:
                self._audio_sent_s += len(data) / 2 / rate
                self._audio_sent_at = now()

    async def send_text(self, text: str) -> UtteranceHandle | None:
        """A typed user turn: recorded, then sent to the model as text."""
        text = text.strip()
        if not text:
            return None
        self._add_message(ChatRole.USER, text)
        self._begin_turn(text)
        self._set_agent_state(AgentState.THINKING)
        await self.model.send_text_message(text)
        return None

    async def _on_local_transcript_async(self, text: str, speech_end: float | None) -> None:
        self._begin_turn(text)
        self._turn_user_end(speech_end)
        self._set_agent_state(AgentState.THINKING)
        knowledge = await retrieve_for_transcript(self.agent, text)
        if knowledge is not None and self._turn is not None:
            self._turn.knowledge_base_ms = knowledge.duration_ms
        await self.model.send_text_message(knowledge.enrich(text) if knowledge else text)

    def _on_local_transcript(self, payload: dict[str, Any]) -> None:
        """HYBRID_STT / LLM_ONLY: our turn-taking committed a user turn; the model answers.

        The turn's latency counts from the end of the user's speech as our VAD placed it, not
        from the commit."""
        self._tasks.spawn(
            self._on_local_transcript_async(payload["text"], payload.get("speech_end_at"))
        )

    # ---- output ------------------------------------------------------------------------------

    async def say(self, message: str, handle: UtteranceHandle) -> None:
        self.current = handle
        self.model.current_utterance = handle
        self._add_message(ChatRole.ASSISTANT, message)
        try:
            await self.model.send_message(message)
        except Exception as exc:
            self._report_error("realtime", exc)
            handle._mark_done()

    async def reply(self, instructions: str | None, handle: UtteranceHandle) -> None:
        self.current = handle
        self.model.current_utterance = handle
        try:
            await self.model.send_text_message(instructions or "")
        except Exception as exc:
            self._report_error("realtime", exc)
            handle._mark_done()

    async def interrupt(self, *, force: bool = False) -> None:
        handle = self.current
        if handle is not None and not handle.done() and not handle.is_interruptible and not force:
            logger.info("interruption disabled for the current utterance")
            return
        await self.model.interrupt()
        if self._speaker is not None and self._speaker.current is not None:
            await self._speaker.stop(self._speaker.current)
        if handle is not None and not handle.done():
            handle.interrupt(force=True)
        self.metrics.interruptions += 1
        self.emit("interrupted", {})

    # ---- model events ------------------------------------------------------------------------

    def _on_user_speech_started(self) -> None:
        self.emit("user_state", UserState.SPEAKING)
        self._set_agent_state(AgentState.LISTENING)
        self.emit("activity", {})
        if self._speaker is not None and self._speaker.current is not None:
            self._tasks.spawn(self._speaker.stop(self._speaker.current))
        self._begin_turn("")

    def _on_user_speech_ended(self, data: Any = None) -> None:
        self.emit("user_state", UserState.LISTENING)
        self._set_agent_state(AgentState.THINKING)
        self._turn_user_end(self._speech_end_time(data))

    def _speech_end_time(self, data: Any) -> float | None:
        """The clock reading at which the user's last voiced audio was sent, from the model's
        ``audio_end_ms`` (a position in all the audio sent this session). Without it the turn
        would count from the model's end-of-speech event, missing its VAD's silence window."""
        end_ms = data.get("audio_end_ms") if isinstance(data, dict) else None
        if not isinstance(end_ms, (int, float)) or self._audio_sent_at is None:
            return None
        at = self._audio_sent_at - (self._audio_sent_s - end_ms / 1000)
        return min(at, now())

    def _on_transcription(self, data: dict[str, Any]) -> None:
        if not data.get("is_final"):
            return
        text = str(data.get("text", "")).strip()
        role = ChatRole.ASSISTANT if data.get("role") in _AGENT_ROLES else ChatRole.USER
        if not text:
            return
        if role is ChatRole.USER:
            self.emit("user_transcript", {"text": text, "is_final": True})
            if self._turn is not None:
                self._turn.user_text = text
        else:
            self.emit("agent_text", {"text": text})
            if self._turn is not None:
                self._turn.agent_text = text
        self._add_message(role, text)
        self.emit("realtime_model_transcription", data)
        if role is ChatRole.ASSISTANT and self._speaker is not None:
            handle = UtteranceHandle(f"utt_rt_{self._turn_seq}")
            self._tasks.spawn(
                self._speaker.start_say(handle, text, add_to_chat_context=False)
            )

    def _on_function_executed(self, data: dict[str, Any]) -> None:
        self.emit("realtime_model_function_executed", data)
        ctx = self.agent.chat_context if self.agent is not None else None
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
            name=data.get("name", ""),
            output=str(data.get("output", "")),
            call_id=call_id,
            is_error=bool(data.get("is_error", False)),
        )
        self.emit("function_tools_executed", data)

    def _on_text_output(self, data: dict[str, Any]) -> None:
        self._tasks.spawn(self.pipeline.hooks.transform_text("llm", data.get("text", "")))

    async def _on_agent_done_async(self) -> None:
        self._on_agent_done()

    def _on_agent_done(self) -> None:
        handle = self.current
        if handle is not None and not handle.done():
            handle._mark_done()
        self.model.current_utterance = None
        self._set_agent_state(AgentState.IDLE)
        self._finish_turn()
        self.emit("activity", {})

    def _on_first_audio_out(self, frame: Any, at: float) -> None:
        if self._turn is not None and self._turn.first_audio_out_at is None:
            self._turn.first_audio_out_at = at

    # ---- bookkeeping -------------------------------------------------------------------------

    def _begin_turn(self, text: str) -> None:
        self._finish_turn()
        self._turn_seq += 1
        self._turn = TurnMetrics(turn_id=self._turn_seq, user_text=text)

    def _turn_user_end(self, speech_end: float | None = None) -> None:
        if self._turn is not None:
            self._turn.user_speech_end = speech_end if speech_end is not None else now()
            self._turn.committed_at = now()

    def _finish_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None and (turn.user_text or turn.agent_text):
            self.metrics.turns.append(turn)
            self.emit("metrics", turn)

    def _add_message(self, role: ChatRole, text: str) -> None:
        """Record a final transcript unless it repeats the last message of that role."""
        ctx = self.agent.chat_context if self.agent is not None else None
        if ctx is None:
            return
        last = next(
            (m for m in reversed(ctx.items) if isinstance(m, ChatMessage) and m.role is role),
            None,
        )
        if last is not None and last.text_content.strip() == text.strip():
            return
        ctx.add_message(role, text, agent_id=getattr(self.agent, "id", None))

    def _set_agent_state(self, state: AgentState) -> None:
        self.emit("agent_state", state)

    def _report_error(self, source: str, error: Any) -> None:
        message = str(error) or type(error).__name__
        self.metrics.errors.append({"source": source, "error": message})
        self.emit("error", {"source": source, "error": message})

    async def aclose(self) -> None:
        await self._tasks.aclose()
        try:
            await self.model.aclose()
        except Exception:
            logger.warning("closing the realtime model failed", exc_info=True)

