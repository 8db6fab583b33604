"""Calling a tool safely with the arguments an LLM produced.

``invoke_tool`` never raises for bad input or a failing tool: it returns a ``ToolResult`` whose
``output`` is text the LLM can read and act on (fix its arguments, apologise, retry).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from ...text import sanitize_text
from .decorator import get_tool_info
from .schema import tool_signature

logger = logging.getLogger("vocalis.llm.tools")


class ToolError(Exception):
    """Raise from a tool to send exactly this message to the LLM as an error output."""


class ToolArgumentsError(ValueError):
    """The LLM's arguments do not fit the tool's schema."""


@dataclass
class ToolResult:
    """The outcome of one tool call: ``output`` for the LLM (sanitized: a tool's text cannot
    poison the chat history), ``value`` as the tool returned it."""

    name: str
    output: str
    is_error: bool = False
    value: Any = None

    def __post_init__(self) -> None:
        self.output = sanitize_text(self.output)


async def invoke_tool(
    tool: Any, arguments: str | dict[str, Any] | None, *, context: Any = None
) -> ToolResult:
    """Validate ``arguments`` (a JSON string or dict) and call ``tool``; never raises.

    Sync tools run in a worker thread so they do not block the loop; async tools are awaited.
    ``context`` is passed to the tool's context parameter, if it declares one.
    """
    info = get_tool_info(tool)
    try:
        raw = parse_arguments(arguments)
        if info.parameters_schema is not None:
            kwargs = _check_raw_arguments(info.parameters_schema, raw)
        else:
            kwargs = _validate_arguments(tool, raw, context)
    except ToolArgumentsError as exc:
        return ToolResult(info.name, f"Invalid arguments for tool '{info.name}': {exc}", True)
    try:
        value = await _call(tool, kwargs)
    except ToolError as exc:
        return ToolResult(info.name, str(exc), True)
    except Exception as exc:
        logger.warning("tool %r failed", info.name, exc_info=True)
        reason = str(exc) or type(exc).__name__
        return ToolResult(info.name, f"Tool '{info.name}' failed: {reason}", True)
    return ToolResult(info.name, format_tool_output(value), False, value)


def parse_arguments(arguments: str | dict[str, Any] | None) -> dict[str, Any]:
    """The arguments as a dict: JSON is decoded, empty means no arguments."""
    if arguments is None:
        return {}
    if isinstance(arguments, str):
        if not arguments.strip():
            return {}
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            raise ToolArgumentsError(f"arguments are not valid JSON ({exc.msg})") from None
    if not isinstance(arguments, dict):
        raise ToolArgumentsError(
            f"arguments must be a JSON object, got {type(arguments).__name__}"
        )
    return arguments


def _validate_arguments(tool: Any, raw: dict[str, Any], context: Any) -> dict[str, Any]:
    signature = tool_signature(tool)
    try:
        model = signature.args_model.model_validate(raw)
    except ValidationError as exc:
        raise ToolArgumentsError(_describe(exc)) from None
    kwargs = {param: getattr(model, field) for field, param in signature.field_to_param.items()}
    if signature.context_parameter is not None:
        kwargs[signature.context_parameter] = context
    return kwargs


def _describe(error: ValidationError) -> str:
    """One readable sentence per problem, e.g. "field 'city' is required"."""
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        if item["type"] == "missing":
            problems.append(f"field '{where}' is required")
        elif item["type"] == "extra_forbidden":
            problems.append(f"unknown field '{where}'")
        else:
            problems.append(f"field '{where}': {item['msg']}")
    return "; ".join(problems)


def _check_raw_arguments(schema: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """Light checks for raw (explicit-schema) tools: required and unknown top-level fields."""
    properties = schema.get("properties") or {}
    problems = [f"field '{n}' is required" for n in schema.get("required", []) if n not in raw]
    if schema.get("additionalProperties") is False:
        problems += [f"unknown field '{n}'" for n in raw if n not in properties]
    if problems:
        raise ToolArgumentsError("; ".join(problems))
    return dict(raw)


async def _call(tool: Any, kwargs: dict[str, Any]) -> Any:
    target = tool.__func__ if inspect.ismethod(tool) else tool
    if inspect.iscoroutinefunction(target):
        return await tool(**kwargs)
    result = await asyncio.to_thread(tool, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def format_tool_output(value: Any) -> str:
    """The text an LLM sees for a return value: str as is, None as "ok", others as JSON."""
    if value is None:
        return "ok"
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    try:
        return json.dumps(to_jsonable_python(value, fallback=str), ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)
