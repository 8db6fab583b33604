"""``OpenAIRealtime``: OpenAI's GA Realtime API as a speech-to-speech model.

User PCM (24 kHz mono; the pipeline resamples) goes up as ``input_audio_buffer.append``;
server VAD decides turns. Agent audio goes to ``self.audio_track``. On barge-in the model
stops playback, cancels the response and truncates the assistant item to what was actually
played, so the server's history matches what the user heard. Tools run on the client.
"""

from __future__ import annotations

import base64
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any

from ....llm.items import ImageContent
from ....llm.tools import build_openai_schema
from ....realtime.base import RealtimeBaseModel
from ....utils.clock import now
from ..auth import DEFAULT_BASE_URL, resolve_api_key
from ..usage import realtime_usage
from .config import REALTIME_SAMPLE_RATE, OpenAIRealtimeConfig
from .connection import OpenAIRealtimeError, RealtimeConnection, realtime_url
from .tools import RealtimeToolRunner

logger = logging.getLogger("vocalis.plugins.openai.realtime")

#: Error codes that only say a cancel raced with the end of the response.
_BENIGN_ERROR_CODES = {"response_cancel_not_active"}
_BYTES_PER_MS = REALTIME_SAMPLE_RATE * 2 // 1000


@dataclass
class _Playback:
    """The assistant audio item being played: for truncation on barge-in."""

    item_id: str
    started_at: float
    received_bytes: int = 0


class OpenAIRealtime(RealtimeBaseModel):
    """OpenAI Realtime (``gpt-realtime``, ``gpt-4o-realtime-preview``) over the GA WebSocket."""

    input_sample_rate = REALTIME_SAMPLE_RATE
    output_sample_rate = REALTIME_SAMPLE_RATE

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None = None,
        config: OpenAIRealtimeConfig | None = None,
        base_url: str | None = None,
        connect_timeout: float = 30.0,
    ) -> None:
        super().__init__()
        self.model = model
        self.config = config or OpenAIRealtimeConfig()
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        try:
            self._api_key = resolve_api_key(api_key, base_url, component="OpenAIRealtime")
        except ValueError as exc:
            self.emit("error", str(exc))
            raise
        self._connect_timeout = connect_timeout
        self._instructions: str | None = None
        self._tools: list[Any] = []
        self._formatted_tools: list[dict[str, Any]] = []
        self._conn: RealtimeConnection | None = None
        self._runner = RealtimeToolRunner(
            self.send_event,
            self.create_response,
            lambda info: self.emit("realtime_model_function_executed", info),
        )
        self._active_response_id: str | None = None
        self._playback: _Playback | None = None
        self._agent_speaking = False
        self._text = ""
        self._transcript = ""
        #: Flattened usage of the last ``response.done``.
        self.last_usage: dict[str, Any] | None = None

    # ---- setup ------------------------------------------------------------------------

    def set_agent(self, agent: Any) -> None:
        """Take the agent's instructions and tools (sent with the next ``session.update``)."""
        super().set_agent(agent)
        self._instructions = getattr(agent, "instructions", None)
        self._tools = list(getattr(agent, "tools", None) or [])
        self._runner.tools = self._tools
        self._formatted_tools = []
        for tool in self._tools:
            try:
                schema = build_openai_schema(tool)
            except Exception as exc:  # a broken tool is reported, the others still work
                self.emit("error", f"OpenAI Realtime: cannot describe tool {tool!r}: {exc}")
                continue
            self._formatted_tools.append(
                {
                    "type": "function",
                    "name": schema["name"],
                    "description": schema.get("description", ""),
                    "parameters": schema.get("parameters") or {"type": "object", "properties": {}},
                }
            )

    async def connect(self) -> None:
        """Open the socket and send the first ``session.update``."""
        url = realtime_url(self.base_url, self.model)
        self._conn = RealtimeConnection(
            url,
            {"Authorization": f"Bearer {self._api_key}", "User-Agent": "Vocalis Agents"},
            on_event=self._handle_event,
            on_malformed=lambda raw: self.emit(
                "error", f"OpenAI Realtime: malformed event {raw!r}"
            ),
            on_close=self._on_closed,
            connect_timeout=self._connect_timeout,
        )
        try:
            await self._conn.connect()
        except OpenAIRealtimeError as exc:
            self.emit("error", str(exc))
            raise
        await self.send_event(self.session_update())

    def session_update(self) -> dict[str, Any]:
        """The ``session.update`` event for the current agent and config."""
        cfg = self.config
        audio_input: dict[str, Any] = {
            "format": {"type": "audio/pcm", "rate": REALTIME_SAMPLE_RATE},
            "turn_detection": cfg.turn_detection.to_dict() if cfg.turn_detection else None,
        }
        if cfg.input_audio_transcription is not None:
            audio_input["transcription"] = cfg.input_audio_transcription.to_dict()
        audio: dict[str, Any] = {"input": audio_input}
        if not cfg.is_text_only_mode:
            audio["output"] = {
                "format": {"type": "audio/pcm", "rate": REALTIME_SAMPLE_RATE},
                "voice": cfg.voice,
            }
        return {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "instructions": self.instructions_with_context(self._instructions),
                "output_modalities": cfg.output_modalities,
                "tools": self._formatted_tools,
                "tool_choice": cfg.tool_choice,
                "audio": audio,
            },
        }

    async def send_event(self, event: dict[str, Any]) -> None:
        if self._conn is None:
            raise OpenAIRealtimeError("OpenAI Realtime: connect() first")
        await self._conn.send(event)

    # ---- client -> server -------------------------------------------------------------

    def _utterance_locked(self) -> bool:
        handle = self.current_utterance
        return handle is not None and not getattr(handle, "is_interruptible", True)

    async def handle_audio_input(self, audio_data: bytes) -> None:
        """Send user PCM (16-bit mono, 24 kHz); dropped while the utterance is locked."""
        if self._conn is None or not self._conn.is_open or self._utterance_locked():
            return
        await self.send_event(
            {"type": "input_audio_buffer.append", "audio": base64.b64encode(audio_data).decode()}
        )

    async def handle_video_input(self, frame: Any) -> None:
        """Send a video frame (or image bytes / URL) as a user ``input_image``."""
        await self._send_user_content([self._image_part(frame)])

    async def send_text_message(self, message: str) -> None:
        """A typed user turn, answered at once."""
        await self._send_user_content([{"type": "input_text", "text": message}])
        await self.create_response()

    async def send_message_with_frames(self, message: str | None, frames: list[Any]) -> None:
        """A user turn with text and images, answered at once."""
        parts = [{"type": "input_text", "text": message}] if message else []
        parts += [self._image_part(frame) for frame in frames]
        if not parts:
            logger.warning("send_message_with_frames: nothing to send")
            return
        await self._send_user_content(parts)
        await self.create_response()

    async def send_message(self, message: str) -> None:
        """Make the agent say ``message``: an out-of-band instruction for one response.

        The reference injected an assistant item "Repeat the user's exact message…"; this
        asks for the words directly and keeps that instruction out of the history.
        """
        await self.send_event(
            {
                "type": "response.create",
                "event_id": _event_id(),
                "response": {
                    "instructions": "Say exactly the following to the user, word for word, "
                    f"and nothing else:\n{message}",
                },
            }
        )

    async def create_response(self) -> None:
        """Ask the model to respond now."""
        event_id = _event_id()
        await self.send_event(
            {
                "type": "response.create",
                "event_id": event_id,
                "response": {"metadata": {"client_event_id": event_id}},
            }
        )

    async def interrupt(self) -> None:
        """Stop the agent: cancel the response, truncate what was not played, clear playback."""
        if self._utterance_locked():
            return
        await self._stop_response()

    async def _send_user_content(self, content: list[dict[str, Any]]) -> None:
        await self.send_event(
            {
                "type": "conversation.item.create",
                "item": {"type": "message", "role": "user", "content": content},
            }
        )

    @staticmethod
    def _image_part(frame: Any) -> dict[str, Any]:
        image = frame if isinstance(frame, ImageContent) else ImageContent(image=frame)
        return {"type": "input_image", "image_url": image.to_data_url()}

    async def _stop_response(self) -> None:
        if self._active_response_id is not None and self._conn is not None and self._conn.is_open:
            self._active_response_id = None
            await self.send_event({"type": "response.cancel", "event_id": _event_id()})
        playback, self._playback = self._playback, None
        if playback is not None and self._conn is not None and self._conn.is_open:
            received_ms = playback.received_bytes // _BYTES_PER_MS
            played_ms = min(received_ms, int((now() - playback.started_at) * 1000))
            if played_ms < received_ms:
                await self.send_event(
                    {
                        "type": "conversation.item.truncate",
                        "event_id": _event_id(),
                        "item_id": playback.item_id,
                        "content_index": 0,
                        "audio_end_ms": played_ms,
                    }
                )
        if self.audio_track is not None:
            self.audio_track.interrupt()
            if self._agent_speaking and hasattr(self.audio_track, "mark_synthesis_complete"):
                self.audio_track.mark_synthesis_complete()
        self._agent_speaking = False

    # ---- server -> client -------------------------------------------------------------

    async def _handle_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type", "")
        handler = _HANDLERS.get(kind)
        if handler is not None:
            await handler(self, event)

    async def _on_speech_started(self, event: dict[str, Any]) -> None:
        self.emit("user_speech_started", {"type": "done"})
        if not self._utterance_locked():
            await self._stop_response()

    async def _on_speech_stopped(self, event: dict[str, Any]) -> None:
        # audio_end_ms (a position in all the audio sent this session) lets the pipeline time
        # the turn from the user's last voiced audio rather than from this late event.
        end_ms = event.get("audio_end_ms")
        self.emit("user_speech_ended", {"audio_end_ms": end_ms} if end_ms is not None else {})

    async def _on_response_created(self, event: dict[str, Any]) -> None:
        self._active_response_id = (event.get("response") or {}).get("id")
        self._text = ""
        self._transcript = ""

    def _agent_started(self) -> None:
        if not self._agent_speaking:
            self._agent_speaking = True
            self.emit("agent_speech_started", {})

    async def _on_text_delta(self, event: dict[str, Any]) -> None:
        delta = event.get("delta", "")
        self._agent_started()
        self._text += delta
        self.emit(
            "realtime_model_text_delta", {"role": "assistant", "delta": delta, "text": self._text}
        )

    async def _on_audio_delta(self, event: dict[str, Any]) -> None:
        if self.config.is_text_only_mode:
            return
        pcm = base64.b64decode(event.get("delta", ""))
        item_id = event.get("item_id", "")
        if self._playback is None or self._playback.item_id != item_id:
            self._playback = _Playback(item_id=item_id, started_at=now())
        self._playback.received_bytes += len(pcm)
        self._agent_started()
        if self.audio_track is not None and pcm:
            await self.audio_track.add_new_bytes(pcm)

    async def _on_transcript_delta(self, event: dict[str, Any]) -> None:
        self._transcript += event.get("delta", "")

    async def _on_user_transcript(self, event: dict[str, Any]) -> None:
        text = (event.get("transcript") or "").strip()
        if text:
            self.emit(
                "realtime_model_transcription", {"role": "user", "text": text, "is_final": True}
            )

    async def _on_arguments_done(self, event: dict[str, Any]) -> None:
        self._runner.start(
            event.get("response_id", ""),
            event.get("call_id", ""),
            event.get("name", ""),
            event.get("arguments", ""),
        )

    async def _on_output_item_done(self, event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        if item.get("type") == "function_call" and item.get("status", "completed") == "completed":
            self._runner.start(
                event.get("response_id", ""),
                item.get("call_id", ""),
                item.get("name", ""),
                item.get("arguments", ""),
            )

    async def _on_response_done(self, event: dict[str, Any]) -> None:
        response = event.get("response") or {}
        self.last_usage = realtime_usage(event)
        text = (self._transcript or self._text).strip()
        self._text = self._transcript = ""
        if text:
            self.emit("llm_text_output", {"text": text})
            self.emit(
                "realtime_model_transcription", {"role": "agent", "text": text, "is_final": True}
            )
        if self._active_response_id == response.get("id"):
            self._active_response_id = None
        track = self.audio_track
        if self._agent_speaking and hasattr(track, "mark_synthesis_complete"):
            track.mark_synthesis_complete()
        self._agent_speaking = False
        await self._runner.response_done(response.get("id", ""))

    async def _on_error(self, event: dict[str, Any]) -> None:
        error = event.get("error") or {}
        if error.get("code") in _BENIGN_ERROR_CODES:
            logger.debug("OpenAI Realtime: ignoring %s", error.get("code"))
            return
        self.emit(
            "error", f"OpenAI Realtime API error: {error.get('message') or error.get('code')}"
        )

    def _on_closed(self, reason: str) -> None:
        self._active_response_id = None
        self.emit("error", reason)

    async def aclose(self) -> None:
        """Close the socket and stop running tool calls."""
        await self._runner.aclose()
        if self._conn is not None:
            await self._conn.aclose()
            self._conn = None
        await super().aclose()


def _event_id() -> str:
    return f"event_{uuid.uuid4().hex[:20]}"


_HANDLERS = {
    "input_audio_buffer.speech_started": OpenAIRealtime._on_speech_started,
    "input_audio_buffer.speech_stopped": OpenAIRealtime._on_speech_stopped,
    "response.created": OpenAIRealtime._on_response_created,
    "response.text.delta": OpenAIRealtime._on_text_delta,
    "response.output_text.delta": OpenAIRealtime._on_text_delta,
    "response.audio.delta": OpenAIRealtime._on_audio_delta,
    "response.output_audio.delta": OpenAIRealtime._on_audio_delta,
    "response.audio_transcript.delta": OpenAIRealtime._on_transcript_delta,
    "response.output_audio_transcript.delta": OpenAIRealtime._on_transcript_delta,
    "conversation.item.input_audio_transcription.completed": OpenAIRealtime._on_user_transcript,
    "response.function_call_arguments.done": OpenAIRealtime._on_arguments_done,
    "response.output_item.done": OpenAIRealtime._on_output_item_done,
    "response.done": OpenAIRealtime._on_response_done,
    "error": OpenAIRealtime._on_error,
}
