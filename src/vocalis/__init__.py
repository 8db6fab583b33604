"""Vocalis: realtime voice AI agents, self-hosted, with local models by default.

The public API follows the VideoSDK AI Agents framework: every name its top-level package
exports is importable from here, so agents port by changing imports (``docs/porting.md``).
"""

from .a2a import A2AMessage, A2AProtocol, AgentCard
from .agent import Agent
from .audio import OutputTrack, load_audio_file
from .audio.background import BackgroundAudioConfig, BackgroundAudioHandlerConfig
from .audio.tee import (
    CustomAudioStreamTrack,
    TeeCustomAudioStreamTrack,
    TeeMixingCustomAudioStreamTrack,
)
from .denoise import Denoise
from .eou import EOU
from .job import JobContext, Options, RoomOptions, WebRTCConfig, WebSocketConfig, WorkerJob
from .knowledge_base import KnowledgeBase, KnowledgeBaseConfig
from .llm import (
    LLM,
    AgentConfigUpdate,
    AgentHandoff,
    ChatContext,
    ChatMessage,
    ChatRole,
    ContextWindow,
    FallbackLLM,
    FunctionCall,
    FunctionCallOutput,
    FunctionTool,
    FunctionToolInfo,
    ImageContent,
    LLMResponse,
    ReadOnlyChatContext,
    build_gemini_schema,
    build_nova_sonic_schema,
    build_openai_schema,
    function_tool,
    get_tool_info,
    is_function_tool,
)
from .llm.graph import ConversationalGraphResponse, GraphPipelineAdapter
from .llm.images import EncodeOptions, ResizeOptions, encode
from .mcp import MCPServerHTTP, MCPServerStdio
from .metrics import SessionMetrics, TurnMetrics
from .pipeline import (
    AgentState,
    CascadingPipeline,
    EOUConfig,
    InterruptConfig,
    Pipeline,
    PipelineComponent,
    PipelineConfig,
    PipelineMode,
    RealtimeConfig,
    RealtimeMode,
    RealTimePipeline,
    ReplyOptions,
    UserState,
    UtteranceHandle,
)
from .pipeline.hooks import run_stt, run_tts
from .realtime import RealtimeBaseModel
from .realtime.llm_adapter import RealtimeLLMAdapter
from .session import AgentSession, RunEvent, RunResult
from .session.observability import (
    LoggingOptions,
    MetricsOptions,
    ObservabilityOptions,
    RecordingOptions,
    TracesOptions,
)
from .session.voicemail import VoiceMailDetector
from .stt import STT, FallbackSTT, SpeechData, SpeechEventType, STTResponse
from .telephony import DTMFHandler
from .text import (
    BasicSentenceChunker,
    BasicTextFilter,
    BufferedSentenceChunkStream,
    SentenceChunker,
    SentenceChunkStream,
    TextFilter,
    detect_script,
    normalize_lang_code,
)
from .text.hyphenation import EnglishHyphenator, hyphenate_english
from .text.indic import IndicScriptTransliterator, IndicSentenceChunker
from .text.segment import segment_text
from .text.warmup import pre_warm_tokenizer
from .transports.pubsub import PubSubPublishConfig, PubSubSubscribeConfig
from .tts import TTS, FallbackTTS, FlushMarker, TTSAudioCache
from .utils.events import EventEmitter
from .utils.log_setup import setup_logging
from .vad import VAD, VADEventType, VADResponse
from .warm_transfer import (
    SIPDestination,
    WarmTransferConfig,
    WarmTransferError,
    WarmTransferPhase,
    WarmTransferResult,
)
from .worker import (
    DedicatedInferenceResource,
    ExecutorType,
    HealthMetrics,
    ProcessResource,
    ResourceConfig,
    ResourceInfo,
    ResourceManager,
    ResourceStatus,
    ResourceType,
    TaskConfig,
    TaskExecutor,
    TaskResult,
    TaskStatus,
    TaskType,
    ThreadResource,
    Worker,
    WorkerOptions,
    WorkerType,
)

__version__ = "0.1.0"

__all__ = [
    "EOU",
    "LLM",
    "STT",
    "TTS",
    "VAD",
    "A2AMessage",
    "A2AProtocol",
    "Agent",
    "AgentCard",
    "AgentConfigUpdate",
    "AgentHandoff",
    "AgentSession",
    "AgentState",
    "BackgroundAudioConfig",
    "BackgroundAudioHandlerConfig",
    "BasicSentenceChunker",
    "BasicTextFilter",
    "BufferedSentenceChunkStream",
    "CascadingPipeline",
    "ChatContext",
    "ChatMessage",
    "ChatRole",
    "ContextWindow",
    "ConversationalGraphResponse",
    "CustomAudioStreamTrack",
    "DTMFHandler",
    "DedicatedInferenceResource",
    "Denoise",
    "EOUConfig",
    "EncodeOptions",
    "EnglishHyphenator",
    "EventEmitter",
    "ExecutorType",
    "FallbackLLM",
    "FallbackSTT",
    "FallbackTTS",
    "FlushMarker",
    "FunctionCall",
    "FunctionCallOutput",
    "FunctionTool",
    "FunctionToolInfo",
    "GraphPipelineAdapter",
    "HealthMetrics",
    "ImageContent",
    "IndicScriptTransliterator",
    "IndicSentenceChunker",
    "InterruptConfig",
    "JobContext",
    "KnowledgeBase",
    "KnowledgeBaseConfig",
    "LLMResponse",
    "LoggingOptions",
    "MCPServerHTTP",
    "MCPServerStdio",
    "MetricsOptions",
    "ObservabilityOptions",
    "Options",
    "OutputTrack",
    "Pipeline",
    "PipelineComponent",
    "PipelineConfig",
    "PipelineMode",
    "ProcessResource",
    "PubSubPublishConfig",
    "PubSubSubscribeConfig",
    "ReadOnlyChatContext",
    "RealTimePipeline",
    "RealtimeBaseModel",
    "RealtimeConfig",
    "RealtimeLLMAdapter",
    "RealtimeMode",
    "RecordingOptions",
    "ReplyOptions",
    "ResizeOptions",
    "ResourceConfig",
    "ResourceInfo",
    "ResourceManager",
    "ResourceStatus",
    "ResourceType",
    "RoomOptions",
    "RunEvent",
    "RunResult",
    "SIPDestination",
    "STTResponse",
    "SentenceChunkStream",
    "SentenceChunker",
    "SessionMetrics",
    "SpeechData",
    "SpeechEventType",
    "TTSAudioCache",
    "TaskConfig",
    "TaskExecutor",
    "TaskResult",
    "TaskStatus",
    "TaskType",
    "TeeCustomAudioStreamTrack",
    "TeeMixingCustomAudioStreamTrack",
    "TextFilter",
    "ThreadResource",
    "TracesOptions",
    "TurnMetrics",
    "UserState",
    "UtteranceHandle",
    "VADEventType",
    "VADResponse",
    "VoiceMailDetector",
    "WarmTransferConfig",
    "WarmTransferError",
    "WarmTransferPhase",
    "WarmTransferResult",
    "WebRTCConfig",
    "WebSocketConfig",
    "Worker",
    "WorkerJob",
    "WorkerOptions",
    "WorkerType",
    "build_gemini_schema",
    "build_nova_sonic_schema",
    "build_openai_schema",
    "detect_script",
    "encode",
    "function_tool",
    "get_tool_info",
    "hyphenate_english",
    "is_function_tool",
    "load_audio_file",
    "normalize_lang_code",
    "pre_warm_tokenizer",
    "run_stt",
    "run_tts",
    "segment_text",
    "setup_logging",
]
