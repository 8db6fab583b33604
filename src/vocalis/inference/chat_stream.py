"""OpenAI-compatible chat-completions streaming shared by both gateways' LLM clients.

Owns the request-side helpers (OpenAI-format messages, tool schemas) and the response side:
reading ``data:`` lines of a Server-Sent-Events body, assembling tool-call fragments by
``index`` into complete calls, and turning usage into Vocalis's usage dict.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

from ..llm.llm import LLMResponse
from ..llm.tools import get_tool_info, simplify_gemini_schema, tool_parameters_schema

logger = logging.getLogger("vocalis.inference")

_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL)


def openai_messages(chat_ctx: Any) -> list[dict[str, Any]]:
    """The context as Chat Completions messages; ``developer`` becomes ``system`` (the gateways
    front Gemini and friends, which only know system/user/assistant/tool)."""
    messages = chat_ctx.to_openai_messages()
    for message in messages:
        if message.get("role") == "developer":
            message["role"] = "system"
    return messages


def gemini_tool_schemas(tools: list[Any]) -> list[dict[str, Any]]:
    """``{"type": "function", "function": {name, description, parameters}}`` with Gemini's
    simplified parameter schema."""
    out = []
    for tool in tools:
        info = get_tool_info(tool)
        schema = tool_parameters_schema(tool)
        parameters = simplify_gemini_schema(schema) if schema.get("properties") else {
            "type": "object", "properties": {}}
        out.append({"type": "function", "function": {
            "name": info.name, "description": info.description or "", "parameters": parameters}})
    return out


def strict_tool_schemas(tools: list[Any]) -> list[dict[str, Any]]:
    """OpenAI strict function schemas: every property required, no extra properties."""
    out = []
    for tool in tools:
        info = get_tool_info(tool)
        schema = json.loads(json.dumps(tool_parameters_schema(tool) or {}))
        schema.setdefault("type", "object")
        schema.setdefault("properties", {})
        _make_strict(schema)
        out.append({"type": "function", "function": {
            "name": info.name, "description": info.description or "", "parameters": schema,
            "strict": True}})
    return out


def _make_strict(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" and isinstance(node.get("properties"), dict):
            node["required"] = list(node["properties"])
            node["additionalProperties"] = False
        node.pop("default", None)
        for value in node.values():
            _make_strict(value)
    elif isinstance(node, list):
        for value in node:
            _make_strict(value)


async def sse_events(response: aiohttp.ClientResponse) -> AsyncIterator[dict[str, Any] | None]:
    """The JSON objects of a ``data:`` event stream; ``None`` for a malformed line (logged);
    ends at ``data: [DONE]`` or the end of the body."""
    async for raw in response.content:
        line = raw.decode("utf-8", "replace").strip()
        if not line or not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            return
        try:
            event = json.loads(payload)
        except ValueError:
            logger.warning("malformed SSE line skipped: %r", payload[:200])
            yield None
            continue
        yield event if isinstance(event, dict) else None


@dataclass
class _Call:
    id: str = ""
    name: str = ""
    arguments: str = ""
    extra: Any = None


class ToolCallAssembler:
    """Collects tool-call fragments by ``index`` and releases complete calls in index order."""

    def __init__(self) -> None:
        self._calls: dict[int, _Call] = {}
        self._count = 0

    def add(self, fragments: list[dict[str, Any]]) -> None:
        for fragment in fragments:
            index = fragment.get("index")
            if not isinstance(index, int):
                index = len(self._calls) if fragment.get("function", {}).get("name") else max(
                    self._calls, default=0)
            call = self._calls.setdefault(index, _Call())
            call.id = call.id or str(fragment.get("id") or "")
            function = fragment.get("function") or {}
            call.name += str(function.get("name") or "")
            call.arguments += str(function.get("arguments") or "")
            if fragment.get("extra_content") is not None:
                call.extra = fragment["extra_content"]

    def release(self) -> list[LLMResponse]:
        """Every pending call as an ``LLMResponse`` with ``metadata["function_call"]``."""
        out = []
        for index in sorted(self._calls):
            call = self._calls[index]
            if not call.name:
                continue
            self._count += 1
            payload: dict[str, Any] = {
                "name": call.name, "arguments": parse_arguments(call.arguments),
                "id": call.id or f"call_{call.name}_{self._count}",
            }
            if call.extra is not None:
                payload["extra"] = call.extra
            out.append(LLMResponse(content="", metadata={"function_call": payload}))
        self._calls.clear()
        return out


def parse_arguments(arguments: str) -> dict[str, Any] | str:
    """A dict for a JSON object, else the raw text (tool invocation reports it to the LLM)."""
    if not arguments.strip():
        return {}
    try:
        parsed = json.loads(arguments)
    except ValueError:
        return arguments
    return parsed if isinstance(parsed, dict) else {"arguments": parsed}


def usage_of(chunk: dict[str, Any]) -> dict[str, Any]:
    usage = chunk.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    return {
        "prompt_tokens": usage.get("prompt_tokens") or 0,
        "completion_tokens": usage.get("completion_tokens") or 0,
        "total_tokens": usage.get("total_tokens") or 0,
        "prompt_cached_tokens": details.get("cached_tokens") or 0,
        "service_tier": chunk.get("service_tier"),
        "request_id": chunk.get("id"),
        "model": chunk.get("model"),
    }


def strip_thinking(text: str) -> str:
    """``text`` without ``<think>…</think>`` sections."""
    return _THINK.sub("", text)
