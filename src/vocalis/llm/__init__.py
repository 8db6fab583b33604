"""The conversation model, the LLM contract, tools and provider fallback."""

from .chat_context import ChatContext
from .context_budget import estimate_tokens, truncate_items
from .context_window import ContextWindow
from .converters import render_context_as_text
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
from .read_only_context import ReadOnlyChatContext
from .summary import generate_summary, render_items

__all__ = [
    "LLM",
    "AgentConfigUpdate",
    "AgentHandoff",
    "ChatContext",
    "ChatItem",
    "ChatMessage",
    "ChatRole",
    "ContextWindow",
    "FunctionCall",
    "FunctionCallOutput",
    "ImageContent",
    "LLMError",
    "LLMResponse",
    "ReadOnlyChatContext",
    "estimate_tokens",
    "generate_summary",
    "render_context_as_text",
    "render_items",
    "truncate_items",
]
