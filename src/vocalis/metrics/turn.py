"""Figures for one conversational turn, measured on the session clock (seconds)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ToolTiming:
    name: str
    duration_ms: float
    is_error: bool


@dataclass
class TurnMetrics:
    """One user turn and the agent's answer.

    ``e2e_latency_ms`` is measured, not summed: from the end of the user's voiced audio (as the
    VAD placed it) to the first non-silent agent audio handed to the output. The stage figures
    are reported beside it.
    """

    turn_id: int
    user_text: str = ""
    agent_text: str = ""
    user_speech_end: float | None = None
    vad_end_at: float | None = None
    stt_final_at: float | None = None
    committed_at: float | None = None
    llm_started_at: float | None = None
    llm_first_token_at: float | None = None
    tts_request_at: float | None = None
    tts_first_audio_at: float | None = None
    first_audio_out_at: float | None = None
    eou_delay_s: float | None = None
    eou_probability: float | None = None
    interrupted: bool = False
    interrupted_at: float | None = None
    """When the utterance was stopped (its voice fades out from there)."""
    preemptive: bool = False
    knowledge_base_ms: float | None = None
    """Time spent retrieving documents from the agent's knowledge base before the LLM."""
    tools: list[ToolTiming] = field(default_factory=list)
    usage: dict[str, Any] | None = None

    @staticmethod
    def _ms(start: float | None, end: float | None) -> float | None:
        if start is None or end is None:
            return None
        return round((end - start) * 1000.0, 3)

    @property
    def e2e_latency_ms(self) -> float | None:
        return self._ms(self.user_speech_end, self.first_audio_out_at)

    @property
    def stt_final_delay_ms(self) -> float | None:
        """From the end of speech to the final transcript."""
        return self._ms(self.user_speech_end, self.stt_final_at)

    @property
    def eou_delay_ms(self) -> float | None:
        """From the end of speech to the moment the turn was committed."""
        return self._ms(self.user_speech_end, self.committed_at)

    @property
    def llm_ttft_ms(self) -> float | None:
        return self._ms(self.llm_started_at, self.llm_first_token_at)

    @property
    def tts_ttfb_ms(self) -> float | None:
        return self._ms(self.tts_request_at, self.tts_first_audio_at)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            e2e_latency_ms=self.e2e_latency_ms,
            stt_final_delay_ms=self.stt_final_delay_ms,
            eou_delay_ms=self.eou_delay_ms,
            llm_ttft_ms=self.llm_ttft_ms,
            tts_ttfb_ms=self.tts_ttfb_ms,
        )
        return data
