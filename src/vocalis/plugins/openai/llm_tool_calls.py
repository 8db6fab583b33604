"""Complete tool calls of ``OpenAILLM`` as ``LLMResponse`` chunks, the same for both
transports. Arguments are parsed into a dict; arguments that are not valid JSON are passed on
as the raw string, so the tool call fails with an error result the LLM can read and correct
(a model's malformed arguments are not a provider failure)."""

from __future__ import annotations

import json
from typing import Any

from ...llm.llm import LLMResponse


def function_call_response(name: str, arguments: str, call_id: str) -> LLMResponse:
    """The chunk carrying one complete call as ``metadata["function_call"]``."""
    call = {"name": name, "arguments": parse_arguments(arguments), "id": call_id}
    return LLMResponse(content="", metadata={"function_call": call})


def parse_arguments(arguments: str) -> dict[str, Any] | str:
    """A dict for JSON objects (other JSON wrapped as ``{"arguments": value}``), else the raw
    text, which tool invocation reports back to the LLM as invalid."""
    if not arguments.strip():
        return {}
    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError:
        return arguments
    return parsed if isinstance(parsed, dict) else {"arguments": parsed}
