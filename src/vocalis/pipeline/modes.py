"""Which kind of pipeline a set of components makes, worked out once at construction."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, unique


@unique
class PipelineComponent(Enum):
    STT = "stt"
    LLM = "llm"
    TTS = "tts"
    VAD = "vad"
    TURN_DETECTOR = "turn_detector"
    AVATAR = "avatar"
    DENOISE = "denoise"
    REALTIME_MODEL = "realtime_model"


@unique
class PipelineMode(Enum):
    REALTIME = "realtime"
    FULL_CASCADING = "full_cascading"
    LLM_TTS_ONLY = "llm_tts_only"
    STT_LLM_ONLY = "stt_llm_only"
    LLM_ONLY = "llm_only"
    STT_ONLY = "stt_only"
    TTS_ONLY = "tts_only"
    STT_TTS_ONLY = "stt_tts_only"
    HYBRID = "hybrid"
    PARTIAL_CASCADING = "partial_cascading"


@unique
class RealtimeMode(Enum):
    """How a realtime model is used: alone, fed by an external STT, voiced by an external TTS,
    or for text only."""

    FULL_S2S = "full_s2s"
    HYBRID_STT = "hybrid_stt"
    HYBRID_TTS = "hybrid_tts"
    LLM_ONLY = "llm_only"


@dataclass
class RealtimeConfig:
    """Forces a realtime sub-mode; by default it is inferred from the components given."""

    mode: RealtimeMode | str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.mode, str):
            self.mode = RealtimeMode(self.mode)


@dataclass(frozen=True)
class PipelineConfig:
    """The detected mode and the components present."""

    pipeline_mode: PipelineMode
    realtime_mode: RealtimeMode | None
    is_realtime: bool
    active_components: frozenset[PipelineComponent]

    def has_component(self, component: PipelineComponent) -> bool:
        return component in self.active_components

    @property
    def component_names(self) -> list[str]:
        return sorted(c.value for c in self.active_components)


_CASCADE_MODES: dict[frozenset[str], PipelineMode] = {
    frozenset({"stt", "llm", "tts"}): PipelineMode.FULL_CASCADING,
    frozenset({"llm", "tts"}): PipelineMode.LLM_TTS_ONLY,
    frozenset({"stt", "llm"}): PipelineMode.STT_LLM_ONLY,
    frozenset({"llm"}): PipelineMode.LLM_ONLY,
    frozenset({"stt"}): PipelineMode.STT_ONLY,
    frozenset({"tts"}): PipelineMode.TTS_ONLY,
    frozenset({"stt", "tts"}): PipelineMode.STT_TTS_ONLY,
}


def build_pipeline_config(
    *,
    stt: object = None,
    llm: object = None,
    tts: object = None,
    vad: object = None,
    turn_detector: object = None,
    avatar: object = None,
    denoise: object = None,
    realtime_model: object = None,
    realtime_config_mode: RealtimeMode | None = None,
) -> PipelineConfig:
    """Work out the pipeline mode from the components present.

    Raises ``ValueError`` for combinations that cannot hold a conversation.
    """
    present = {
        PipelineComponent.STT: stt,
        PipelineComponent.LLM: llm if realtime_model is None else None,
        PipelineComponent.TTS: tts,
        PipelineComponent.VAD: vad,
        PipelineComponent.TURN_DETECTOR: turn_detector,
        PipelineComponent.AVATAR: avatar,
        PipelineComponent.DENOISE: denoise,
        PipelineComponent.REALTIME_MODEL: realtime_model,
    }
    active = frozenset(c for c, v in present.items() if v is not None)
    if realtime_model is not None:
        if realtime_config_mode is not None:
            sub = realtime_config_mode
        elif stt is not None and tts is not None:
            raise ValueError(
                "A realtime model with both an external STT and TTS is ambiguous: pass "
                "RealtimeConfig(mode=...) or drop one of them."
            )
        elif stt is not None:
            sub = RealtimeMode.HYBRID_STT
        elif tts is not None:
            sub = RealtimeMode.HYBRID_TTS
        else:
            sub = RealtimeMode.FULL_S2S
        if sub is RealtimeMode.HYBRID_STT and stt is None:
            raise ValueError("RealtimeMode.HYBRID_STT needs an stt component")
        if sub is RealtimeMode.HYBRID_TTS and tts is None:
            raise ValueError("RealtimeMode.HYBRID_TTS needs a tts component")
        mode = PipelineMode.REALTIME if sub is RealtimeMode.FULL_S2S else PipelineMode.HYBRID
        return PipelineConfig(mode, sub, True, active)

    core = frozenset(
        name for name, v in (("stt", stt), ("llm", llm), ("tts", tts)) if v is not None
    )
    if not core:
        raise ValueError(
            "A pipeline needs at least one of stt, llm, tts or a realtime model (llm=...)."
        )
    mode = _CASCADE_MODES.get(core, PipelineMode.PARTIAL_CASCADING)
    return PipelineConfig(mode, None, False, active)
