"""The pipeline: mode detection, the turn state machine, and the understanding, thinking and
speaking stages (``docs/architecture.md`` follows one turn through them)."""

from . import events
from .config import EOUConfig, InterruptConfig
from .events import EventBus, SessionEvent
from .hooks import PipelineHooks
from .link import SessionLink
from .modes import (
    PipelineComponent,
    PipelineConfig,
    PipelineMode,
    RealtimeConfig,
    RealtimeMode,
    build_pipeline_config,
)
from .options import ReplyOptions
from .pipeline import NO_CHANGE, CascadingPipeline, Pipeline, RealTimePipeline
from .states import AgentState, UserState
from .turns.end_of_turn import EndOfTurnDelay
from .turns.interruption import (
    BackchannelDetector,
    InterruptDecision,
    InterruptionStrategy,
    Overlap,
    is_backchannel,
)
from .turns.orchestrator import Orchestrator
from .utterance import UtteranceHandle

__all__ = [
    "NO_CHANGE",
    "AgentState",
    "BackchannelDetector",
    "CascadingPipeline",
    "EOUConfig",
    "EndOfTurnDelay",
    "EventBus",
    "InterruptConfig",
    "InterruptDecision",
    "InterruptionStrategy",
    "Orchestrator",
    "Overlap",
    "Pipeline",
    "PipelineComponent",
    "PipelineConfig",
    "PipelineHooks",
    "PipelineMode",
    "RealTimePipeline",
    "RealtimeConfig",
    "RealtimeMode",
    "ReplyOptions",
    "SessionEvent",
    "SessionLink",
    "UserState",
    "UtteranceHandle",
    "build_pipeline_config",
    "events",
    "is_backchannel",
]
