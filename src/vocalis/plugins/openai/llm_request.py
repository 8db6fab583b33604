"""Request bodies of ``OpenAILLM``: chat-completions bodies and Responses ``response.create``
events, built from one set of options so both transports send the same settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...llm.tools import build_openai_schema

logger = logging.getLogger("vocalis.plugins.openai.llm")

_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


def is_reasoning_model(model: str) -> bool:
    """Models that take ``reasoning_effort`` and reject ``temperature`` (o1/o3/o4, gpt-5)."""
    return model.lower().startswith(_REASONING_PREFIXES)


@dataclass
class LLMOptions:
    """The generation settings of an ``OpenAILLM`` (see its constructor)."""

    model: str
    temperature: float
    tool_choice: Any
    max_completion_tokens: int | None
    top_p: float | None
    frequency_penalty: float | None
    presence_penalty: float | None
    seed: int | None
    parallel_tool_calls: bool | None
    reasoning_effort: str | None
    verbosity: str | None
    store: bool
    extra_body: dict[str, Any] | None

    @property
    def reasoning(self) -> bool:
        return is_reasoning_model(self.model)


def tool_schemas(tools: list[Any] | None, on_error: Callable[[Exception], None]) -> list[dict]:
    """Flat OpenAI tool schemas; a tool that cannot be described is reported and skipped."""
    schemas = []
    for tool in tools or []:
        try:
            schemas.append(build_openai_schema(tool))
        except Exception as exc:  # a broken tool must not stop the turn
            logger.warning("skipping tool %r: %s", tool, exc)
            on_error(exc)
    return schemas


def chat_completions_body(
    options: LLMOptions, messages: list[dict[str, Any]], schemas: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ``POST /chat/completions`` body (without ``extra_*`` pass-through)."""
    body: dict[str, Any] = {
        "model": options.model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    optional: dict[str, Any]
    if options.reasoning:
        optional = {
            "max_completion_tokens": options.max_completion_tokens,
            "reasoning_effort": options.reasoning_effort,
            "verbosity": options.verbosity,
        }
    else:
        body["temperature"] = options.temperature
        optional = {
            "max_completion_tokens": options.max_completion_tokens,
            "top_p": options.top_p,
            "frequency_penalty": options.frequency_penalty,
            "presence_penalty": options.presence_penalty,
            "seed": options.seed,
        }
    body.update({k: v for k, v in optional.items() if v is not None})
    if schemas:
        body["tools"] = [
            {
                "type": "function",
                "function": {k: v for k, v in schema.items() if k != "type"},
            }
            for schema in schemas
        ]
        body["tool_choice"] = options.tool_choice
        if options.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = options.parallel_tool_calls
    return body


def responses_create_event(
    options: LLMOptions,
    input_items: list[dict[str, Any]],
    schemas: list[dict[str, Any]],
    *,
    previous_response_id: str | None,
    extra: dict[str, Any] | None = None,
    generate: bool | None = None,
) -> dict[str, Any]:
    """A Responses WebSocket ``response.create`` event."""
    event: dict[str, Any] = {
        "type": "response.create",
        "model": options.model,
        "store": options.store,
        "input": input_items,
    }
    if previous_response_id:
        event["previous_response_id"] = previous_response_id
    if options.max_completion_tokens is not None:
        event["max_output_tokens"] = options.max_completion_tokens
    if options.reasoning:
        if options.reasoning_effort and options.reasoning_effort != "none":
            event["reasoning"] = {"effort": options.reasoning_effort}
        if options.verbosity:
            event["text"] = {"verbosity": options.verbosity}
    else:
        event["temperature"] = options.temperature
        if options.top_p is not None:
            event["top_p"] = options.top_p
    if schemas:
        event["tools"] = [
            {
                "type": "function",
                "name": s["name"],
                "description": s.get("description", ""),
                "parameters": s.get("parameters") or {"type": "object", "properties": {}},
                "strict": bool(s.get("strict", False)),
            }
            for s in schemas
        ]
        event["tool_choice"] = _responses_tool_choice(options.tool_choice)
        if options.parallel_tool_calls is not None:
            event["parallel_tool_calls"] = options.parallel_tool_calls
    if generate is not None:
        event["generate"] = generate
    event.update(options.extra_body or {})
    event.update(extra or {})
    return event


def _responses_tool_choice(choice: Any) -> Any:
    """The Responses form of a chat-style ``{"type":"function","function":{"name"}}`` choice."""
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return {"type": "function", "name": choice["function"]["name"]}
    return choice
