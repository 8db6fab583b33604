"""``Realtime``: Gemini Live as a speech-to-speech model through the VideoSDK gateway
(``/v1/llm``).

The config envelope is sent lazily before the first audio or text of every connection; user
PCM goes up as ``{"type": "audio", "data": b64(pcm 24 kHz)}``, the model's audio comes back as
``{"type": "audio", "data": {"audio": b64}}`` and its turn-taking as ``event`` envelopes.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from typing import Any

from ..realtime.base import RealtimeBaseModel
from ..utils.clock import now
from .chat_stream import gemini_tool_schemas
from .gateway import (
    DEFAULT_CONNECT_TIMEOUT,
    VIDEOSDK_INFERENCE_URL,
    error_text,
    event_of,
    parse_envelope,
    resolve_auth_token,
    ws_url,
)
from .socket import GatewaySocket

logger = logging.getLogger("vocalis.inference.realtime")

DEFAULT_INSTRUCTIONS = (
    "You are a helpful voice assistant that can answer questions and help with tasks."
)
_VIDEO_INTERVAL = 0.5
_MIN_JPEG_BYTES = 100


class RealtimeError(Exception):
    """The gateway connection failed or reported an error."""


@dataclass
class GeminiRealtimeConfig:
    """Gemini Live settings sent in the config envelope (``None`` values are sent as null)."""

    voice: str = "Puck"
    language_code: str = "en-US"
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    candidate_count: int = 1
    max_output_tokens: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    response_modalities: list[str] = field(default_factory=lambda: ["AUDIO"])


class Realtime(RealtimeBaseModel):
    """Gemini Live through the VideoSDK inference gateway.

    Parameters and the ``gemini`` factory follow the reference; Vocalis adds
    ``connect_timeout``. The pipeline resamples user audio to ``input_sample_rate`` (24 kHz,
    mono) and the model writes 24 kHz mono to its track.

    Quirks of the reference (plugins-and-gateways §8.5), decided:

    - The pipeline's streaming resampler mixes to mono and converts to 24 kHz (the reference
      resampled 48 kHz stereo with ``scipy`` and no mono mix).
    - After the connection ends, the next audio or text reconnects and re-sends the config
      (the reference never reconnected).
    - ``interrupt()`` clears the agent-speaking state, so the next response reports
      ``agent_speech_started`` again.
    - Tool declarations are sent in the config; the protocol has no client-side tool-call
      message, so tools run on the gateway side (as in the reference).
    - User audio is sent whatever the output modalities (the reference dropped it unless
      AUDIO was an output modality, so a text-out model could not hear: HYBRID_TTS needs it).
    - ``send_message_with_frames`` connects first instead of sending into a closed socket.
    - Partial transcriptions are emitted as ``realtime_model_transcription`` with
      ``is_final=False`` on the model (Vocalis has no global event bus).
    """

    input_sample_rate = 24000
    output_sample_rate = 24000

    def __init__(
        self,
        *,
        provider: str,
        model: str,
        config: GeminiRealtimeConfig | None = None,
        base_url: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        super().__init__()
        self._token = resolve_auth_token()
        self.provider = provider
        self.model = model
        self.model_id = model.split("/")[-1]
        self.config = config or GeminiRealtimeConfig()
        self.base_url = base_url or VIDEOSDK_INFERENCE_URL
        self.target_sample_rate = 24000
        self._instructions = DEFAULT_INSTRUCTIONS
        self._tools: list[Any] = []
        self.tools_formatted: list[dict[str, Any]] = []
        self._config_sent_on = 0  #: connection number the config was sent on
        self._user_speaking = False
        self._agent_speaking = False
        self._input_text = ""
        self._output_text = ""
        self._last_video = -_VIDEO_INTERVAL
        self._socket = GatewaySocket(
            lambda: ws_url(self.base_url, "llm", provider=self.provider, secret=self._token,
                           model_id=self.model_id),
            on_text=self._on_text,
            on_error=lambda exc: self.emit("error", str(exc)),
            on_closed=lambda code: logger.info("%s: connection closed (%s)", self.label, code),
            error_cls=RealtimeError,
            connect_timeout=connect_timeout,
            name="inference-realtime",
        )

    @property
    def label(self) -> str:
        return f"videosdk.inference.Realtime.{self.provider}.{self.model_id}"

    @classmethod
    def gemini(
        cls,
        *,
        model: str = "gemini-2.5-flash-native-audio-preview-12-2025",
        voice: str = "Puck",
        language_code: str = "en-US",
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        candidate_count: int = 1,
        max_output_tokens: int | None = None,
        presence_penalty: float | None = None,
        frequency_penalty: float | None = None,
        response_modalities: list[str] | None = None,
        base_url: str | None = None,
    ) -> Realtime:
        """Voices: Puck, Charon, Kore, Fenrir, Aoede."""
        config = GeminiRealtimeConfig(
            voice=voice, language_code=language_code, temperature=temperature, top_p=top_p,
            top_k=top_k, candidate_count=candidate_count, max_output_tokens=max_output_tokens,
            presence_penalty=presence_penalty, frequency_penalty=frequency_penalty,
            response_modalities=response_modalities or ["AUDIO"],
        )
        return cls(provider="google", model=model, config=config, base_url=base_url)

    @property
    def _audio_out(self) -> bool:
        return "AUDIO" in [m.upper() for m in self.config.response_modalities]

    def set_agent(self, agent: Any) -> None:
        super().set_agent(agent)
        self._instructions = getattr(agent, "instructions", None) or DEFAULT_INSTRUCTIONS
        self._tools = list(getattr(agent, "tools", None) or [])
        self.tools_formatted = [t["function"] for t in gemini_tool_schemas(self._tools)]

    def config_data(self) -> dict[str, Any]:
        """The ``data`` of the config envelope."""
        c = self.config
        model = self.model if self.model.startswith("models/") else f"models/{self.model}"
        data: dict[str, Any] = {
            "model": model, "instructions": self.instructions_with_context(self._instructions),
            "voice": c.voice, "language_code": c.language_code, "temperature": c.temperature,
            "top_p": c.top_p, "top_k": c.top_k, "candidate_count": c.candidate_count,
            "max_output_tokens": c.max_output_tokens, "presence_penalty": c.presence_penalty,
            "frequency_penalty": c.frequency_penalty,
            "response_modalities": c.response_modalities,
        }
        if self.tools_formatted:
            data["tools"] = self.tools_formatted
        return data

    # ---- client -> gateway ---------------------------------------------------------------

    async def connect(self) -> None:
        """Open the socket (the config follows lazily, before the first audio or text)."""
        if self._audio_out and self.audio_track is None:
            logger.warning("%s: AUDIO output is enabled but no audio track is set", self.label)
        if await self._socket.ensure() is None:
            raise RealtimeError(f"{self.label}: could not connect to the inference gateway")

    async def _ready(self) -> bool:
        """Connected, with the config sent on this connection."""
        if await self._socket.ensure() is None:
            return False
        if self._config_sent_on != self._socket.connections:
            if not await self._socket.send_json({"type": "config", "data": self.config_data()}):
                return False
            self._config_sent_on = self._socket.connections
        return True

    def _locked(self) -> bool:
        handle = self.current_utterance
        return handle is not None and not getattr(handle, "is_interruptible", True)

    async def handle_audio_input(self, audio_data: bytes) -> None:
        """Send user PCM (16-bit mono, 24 kHz); dropped while the utterance is locked."""
        if self._locked() or not audio_data:
            return
        if await self._ready():
            await self._socket.send_json(
                {"type": "audio", "data": base64.b64encode(audio_data).decode("ascii")})

    async def handle_video_input(self, frame: Any) -> None:
        """Send a JPEG frame (bytes, or a frame with ``to_image()``) at most twice a second."""
        if now() - self._last_video < _VIDEO_INTERVAL:
            return
        jpeg = _jpeg(frame)
        if jpeg is None or len(jpeg) < _MIN_JPEG_BYTES:
            return
        self._last_video = now()
        if await self._ready():
            await self._socket.send_json(
                {"type": "video", "data": base64.b64encode(jpeg).decode("ascii")})

    async def send_text_message(self, message: str) -> None:
        if await self._ready():
            await self._socket.send_json({"type": "text", "data": message})

    async def send_message(self, message: str) -> None:
        await self.send_text_message(
            "Please start the conversation by saying exactly this, without any additional "
            f"text: '{message}'"
        )

    async def send_message_with_frames(self, message: str, frames: list[Any]) -> None:
        encoded = [base64.b64encode(j).decode("ascii") for j in map(_jpeg, frames) if j]
        if await self._ready():
            await self._socket.send_json(
                {"type": "text_with_frames", "data": {"text": message, "frames": encoded}})
        else:
            self.emit("error", f"{self.label}: not connected; message with frames not sent")

    async def interrupt(self) -> None:
        if self._locked():
            logger.info("%s: the current utterance is not interruptible", self.label)
            return
        if self._socket.connected:
            await self._socket.send_json({"type": "interrupt"})
        if self._agent_speaking:
            self._agent_speaking = False
            self.emit("agent_speech_ended", {})
        if self.audio_track is not None and self._audio_out:
            self.audio_track.interrupt()

    async def aclose(self) -> None:
        await self._socket.aclose({"type": "stop"})
        await super().aclose()

    # ---- gateway -> client ---------------------------------------------------------------

    async def _on_text(self, raw: str) -> None:
        message = parse_envelope(raw)
        if message is None:
            self.emit("error", f"{self.label}: malformed message {raw[:200]!r}")
            return
        kind = message.get("type")
        if kind == "audio":
            await self._on_audio(message.get("data"))
        elif kind == "event":
            event, data = event_of(message)
            self._on_event(event, data)
        elif kind == "error" or (kind is None and message.get("message")):
            self.emit("error", f"inference gateway error: {error_text(message)}")

    async def _on_audio(self, data: Any) -> None:
        encoded = data.get("audio") if isinstance(data, dict) else data
        try:
            pcm = base64.b64decode(encoded or "", validate=True)
        except (ValueError, TypeError):
            self.emit("error", f"{self.label}: malformed audio")
            return
        if len(pcm) % 2:
            pcm += b"\x00"
        if not pcm:
            return
        self._agent_started()
        if self.audio_track is not None:
            await self.audio_track.add_new_bytes(pcm)

    def _agent_started(self) -> None:
        if not self._agent_speaking:
            self._agent_speaking = True
            self.emit("agent_speech_started", {})

    def _on_event(self, event: str, data: dict[str, Any]) -> None:
        text = str(data.get("text") or "")
        if event == "user_speech_started":
            if not self._user_speaking:
                self._user_speaking = True
                self.emit("user_speech_started", {"type": "done"})
        elif event == "user_speech_ended":
            if self._user_speaking:
                self._user_speaking = False
                self.emit("user_speech_ended", {})
        elif event == "agent_speech_started":
            self._agent_started()
        elif event == "agent_speech_ended":
            if self._agent_speaking:
                self._agent_speaking = False
                self.emit("agent_speech_ended", {})
                if self.audio_track is not None and hasattr(self.audio_track,
                                                             "mark_synthesis_complete"):
                    self.audio_track.mark_synthesis_complete()
        elif event == "input_transcription":
            self._input_text = text
            self.emit("realtime_model_transcription",
                      {"role": "user", "text": text, "is_final": False})
        elif event == "output_transcription":
            self._output_text += text
            self.emit("realtime_model_transcription",
                      {"role": "agent", "text": self._output_text, "is_final": False})
        elif event == "user_transcript":
            self._input_text = ""
            self.emit("realtime_model_transcription",
                      {"role": "user", "text": text, "is_final": True})
        elif event == "text_response":
            if data.get("is_final") and text:
                self._output_text = ""
                self.emit("realtime_model_transcription",
                          {"role": "agent", "text": text, "is_final": True})
                self.emit("llm_text_output", {"text": text})
        elif event == "response_interrupted":
            if self.audio_track is not None and self._audio_out:
                self.audio_track.interrupt()
        else:
            logger.debug("%s: ignoring %r event", self.label, event)


def _jpeg(frame: Any) -> bytes | None:
    """JPEG bytes of ``frame`` (bytes as they are; an ``av.VideoFrame`` or PIL image encoded)."""
    if isinstance(frame, (bytes, bytearray)):
        return bytes(frame)
    image = frame.to_image() if hasattr(frame, "to_image") else frame
    if not hasattr(image, "save"):
        return None
    import io

    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
