"""Settings of ``OpenAIRealtime``: voice, server turn detection, input transcription, output
modalities. Plain dataclasses serialised to the GA ``session.update`` shape."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

#: Sample rate (Hz) of the GA API's ``audio/pcm`` format, both directions.
REALTIME_SAMPLE_RATE = 24000


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


@dataclass
class TurnDetection:
    """Server-side voice activity detection; ``semantic_vad`` takes ``eagerness`` instead."""

    type: Literal["server_vad", "semantic_vad"] = "server_vad"
    threshold: float | None = 0.5
    prefix_padding_ms: int | None = 300
    silence_duration_ms: int | None = 200
    create_response: bool = True
    interrupt_response: bool = True
    eagerness: Literal["low", "medium", "high", "auto"] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = _without_none(asdict(self))
        if self.type == "semantic_vad":
            for key in ("threshold", "prefix_padding_ms", "silence_duration_ms"):
                data.pop(key, None)
        return data


@dataclass
class InputAudioTranscription:
    """Transcription of the user's audio (``realtime_model_transcription`` with role user)."""

    model: str = "gpt-4o-mini-transcribe"
    language: str | None = None
    prompt: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _without_none(asdict(self))


@dataclass
class OpenAIRealtimeConfig:
    """Configuration of an ``OpenAIRealtime`` session (the reference's defaults).

    ``temperature`` is kept for API compatibility but not sent: the GA API has no session
    temperature. ``modalities`` without ``"audio"`` selects text output (for pipelines that
    speak through their own TTS); user audio is accepted in both modes.
    """

    voice: str = "alloy"
    temperature: float = 0.8
    turn_detection: TurnDetection | None = field(default_factory=TurnDetection)
    input_audio_transcription: InputAudioTranscription | None = field(
        default_factory=InputAudioTranscription
    )
    tool_choice: str = "auto"
    modalities: list[str] = field(default_factory=lambda: ["text", "audio"])

    def __post_init__(self) -> None:
        unknown = set(self.modalities) - {"text", "audio"}
        if unknown or not self.modalities:
            raise ValueError(
                f"modalities must be drawn from 'text' and 'audio', got {self.modalities}"
            )

    @property
    def is_text_only_mode(self) -> bool:
        return "audio" not in self.modalities

    @property
    def output_modalities(self) -> list[str]:
        """GA output modalities: ``["audio"]`` (which carries a transcript) or ``["text"]``."""
        return ["text"] if self.is_text_only_mode else ["audio"]
