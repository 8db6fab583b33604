"""The conversation model, the LLM contract, tools and provider fallback."""

from .chat_context import ChatContext, generate_summary
from .context_budget import estimate_tokens, truncate_items
from .context_window import ContextWindow
from .converters import render_context_as_text
from .fallback import FallbackLLM
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
from .summary import render_items
from .tools import (
    FunctionTool,
    FunctionToolInfo,
    ToolError,
    ToolResult,
    build_gemini_schema,
    build_nova_sonic_schema,
    build_openai_schema,
    build_pydantic_args_model,
    find_tool,
    function_tool,
    get_tool_info,
    invoke_tool,
    is_function_tool,
)

__all__ = [
    "LLM",
    "AgentConfigUpdate",
    "AgentHandoff",
    "ChatContext",
    "ChatItem",
    "ChatMessage",
    "ChatRole",
    "ContextWindow",
    "FallbackLLM",
    "FunctionCall",
    "FunctionCallOutput",
    "FunctionTool",
    "FunctionToolInfo",
    "ImageContent",
    "LLMError",
    "LLMResponse",
    "ReadOnlyChatContext",
    "ToolError",
    "ToolResult",
    "build_gemini_schema",
    "build_nova_sonic_schema",
    "build_openai_schema",
    "build_pydantic_args_model",
    "estimate_tokens",
    "find_tool",
    "function_tool",
    "generate_summary",
    "get_tool_info",
    "invoke_tool",
    "is_function_tool",
    "render_context_as_text",
    "render_items",
    "truncate_items",
]
