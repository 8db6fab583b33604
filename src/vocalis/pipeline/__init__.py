"""The pipeline: mode detection, turn-taking, interruptions, and the three stages."""

from .config import EOUConfig, InterruptConfig
from .hooks import PipelineHooks
from .modes import (
    PipelineComponent,
    PipelineConfig,
    PipelineMode,
    RealtimeConfig,
    RealtimeMode,
    build_pipeline_config,
)
from .orchestrator import PipelineOrchestrator
from .pipeline import NO_CHANGE, CascadingPipeline, Pipeline, RealTimePipeline
from .states import AgentState, UserState
from .turn_taking import EndOfTurnDelay, InterruptionPolicy, is_backchannel
from .utterance import UtteranceHandle

__all__ = [
    "NO_CHANGE",
    "AgentState",
    "CascadingPipeline",
    "EOUConfig",
    "EndOfTurnDelay",
    "InterruptConfig",
    "InterruptionPolicy",
    "Pipeline",
    "PipelineComponent",
    "PipelineConfig",
    "PipelineHooks",
    "PipelineMode",
    "PipelineOrchestrator",
    "RealTimePipeline",
    "RealtimeConfig",
    "RealtimeMode",
    "UserState",
    "UtteranceHandle",
    "build_pipeline_config",
    "is_backchannel",
]
