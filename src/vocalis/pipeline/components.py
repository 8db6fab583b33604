"""The components a pipeline runs with, in one typed bundle the stages share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..denoise import Denoise
    from ..eou import EOU
    from ..interruption import InterruptionDetector
    from ..llm.llm import LLM
    from ..stt import STT
    from ..text import SentenceChunker, TextFilter
    from ..tts import TTS
    from ..vad import VAD


@dataclass
class Components:
    """What the orchestrator works with; ``None`` means the pipeline has no such stage."""

    stt: STT | None = None
    llm: LLM | None = None
    tts: TTS | None = None
    vad: VAD | None = None
    turn_detector: EOU | None = None
    denoise: Denoise | None = None
    interruption: InterruptionDetector | None = None
    """An audio classifier of user speech over the agent (interruption or backchannel)."""
    avatar: Any = None
    chunker: SentenceChunker | None = None
    text_filter: TextFilter | None = None
