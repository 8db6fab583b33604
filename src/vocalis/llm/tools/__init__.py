"""Function tools: the ``@function_tool`` decorator, schema builders and safe invocation."""

from .decorator import (
    FunctionTool,
    FunctionToolInfo,
    find_tool,
    function_tool,
    get_tool_info,
    is_function_tool,
)
from .gemini import simplify_gemini_schema
from .invocation import (
    ToolArgumentsError,
    ToolError,
    ToolResult,
    format_tool_output,
    invoke_tool,
    parse_arguments,
)
from .schema import (
    ToolSignature,
    build_gemini_schema,
    build_nova_sonic_schema,
    build_openai_schema,
    build_pydantic_args_model,
    tool_parameters_schema,
    tool_signature,
)

__all__ = [
    "FunctionTool",
    "FunctionToolInfo",
    "ToolArgumentsError",
    "ToolError",
    "ToolResult",
    "ToolSignature",
    "build_gemini_schema",
    "build_nova_sonic_schema",
    "build_openai_schema",
    "build_pydantic_args_model",
    "find_tool",
    "format_tool_output",
    "function_tool",
    "get_tool_info",
    "invoke_tool",
    "is_function_tool",
    "parse_arguments",
    "simplify_gemini_schema",
    "tool_parameters_schema",
    "tool_signature",
]
