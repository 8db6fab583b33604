"""The conversation model, the LLM contract, tools and provider fallback."""

from .items import (
    AgentConfigUpdate,
    AgentHandoff,
    ChatItem,
    ChatMessage,
    ChatRole,
    FunctionCall,
    FunctionCallOutput,
    ImageContent,
)
from .llm import LLM, LLMError, LLMResponse

__all__ = [
    "LLM",
    "AgentConfigUpdate",
    "AgentHandoff",
    "ChatItem",
    "ChatMessage",
    "ChatRole",
    "FunctionCall",
    "FunctionCallOutput",
    "ImageContent",
    "LLMError",
    "LLMResponse",
]
