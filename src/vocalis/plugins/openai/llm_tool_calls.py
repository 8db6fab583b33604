"""Complete tool calls of ``OpenAILLM`` as ``LLMResponse`` chunks, the same for both
transports: arguments parsed into a dict, invalid JSON reported and replaced by ``{}``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ...llm.llm import LLMError, LLMResponse


def function_call_response(
    name: str,
    arguments: str,
    call_id: str,
    on_error: Callable[[Exception], None],
    *,
    retryable: bool = True,
) -> LLMResponse:
    """The chunk carrying one complete call as ``metadata["function_call"]``.

    Arguments that are not JSON are reported to ``on_error`` as an ``LLMError`` with the given
    ``retryable``; JSON that is not an object is wrapped as ``{"arguments": value}``.
    """
    call = {"name": name, "arguments": _parse(name, arguments, on_error, retryable), "id": call_id}
    return LLMResponse(content="", metadata={"function_call": call})


def _parse(
    name: str, arguments: str, on_error: Callable[[Exception], None], retryable: bool
) -> dict[str, Any]:
    if not arguments.strip():
        return {}
    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError:
        on_error(
            LLMError(f"OpenAILLM: tool {name!r} got invalid JSON arguments", retryable=retryable)
        )
        return {}
    return parsed if isinstance(parsed, dict) else {"arguments": parsed}
