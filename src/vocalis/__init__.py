"""Vocalis: realtime voice AI agents, self-hosted, with local models by default.

The public API follows the VideoSDK AI Agents framework, so agents port by changing imports.
"""

from .a2a import A2AMessage, A2AProtocol, AgentCard
from .agent import Agent
from .audio import OutputTrack, load_audio_file
from .denoise import Denoise
from .eou import EOU
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
from .mcp import MCPServerHTTP, MCPServerStdio
from .metrics import SessionMetrics, TurnMetrics
from .pipeline import (
    AgentState,
    CascadingPipeline,
    EOUConfig,
    InterruptConfig,
    Pipeline,
    PipelineMode,
    RealtimeConfig,
    RealtimeMode,
    RealTimePipeline,
    UserState,
    UtteranceHandle,
)
from .realtime import RealtimeBaseModel
from .session import AgentSession, RunEvent, RunResult
from .stt import STT, FallbackSTT, SpeechData, SpeechEventType, STTResponse
from .tts import TTS, FallbackTTS, FlushMarker
from .vad import VAD, VADEventType, VADResponse

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
    "CascadingPipeline",
    "ChatContext",
    "ChatMessage",
    "ChatRole",
    "ContextWindow",
    "Denoise",
    "EOUConfig",
    "FallbackLLM",
    "FallbackSTT",
    "FallbackTTS",
    "FlushMarker",
    "FunctionCall",
    "FunctionCallOutput",
    "FunctionTool",
    "FunctionToolInfo",
    "ImageContent",
    "InterruptConfig",
    "KnowledgeBase",
    "KnowledgeBaseConfig",
    "LLMResponse",
    "MCPServerHTTP",
    "MCPServerStdio",
    "OutputTrack",
    "Pipeline",
    "PipelineMode",
    "ReadOnlyChatContext",
    "RealTimePipeline",
    "RealtimeBaseModel",
    "RealtimeConfig",
    "RealtimeMode",
    "RunEvent",
    "RunResult",
    "STTResponse",
    "SessionMetrics",
    "SpeechData",
    "SpeechEventType",
    "TurnMetrics",
    "UserState",
    "UtteranceHandle",
    "VADEventType",
    "VADResponse",
    "build_gemini_schema",
    "build_nova_sonic_schema",
    "build_openai_schema",
    "function_tool",
    "get_tool_info",
    "is_function_tool",
    "load_audio_file",
]
