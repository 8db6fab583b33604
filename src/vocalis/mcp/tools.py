"""MCP tools as ordinary Vocalis function tools: the server's JSON schema, an async callable.

The engine calls them like any tool (in parallel, surviving barge-in, timed in the turn
metrics). Failures become error results the LLM can read: the server's own error text, a
timeout, or "the server is restarting". A call slower than ``hold_after`` seconds lets the
agent say something (``on_slow``) while it waits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from ..llm.tools import ToolError, function_tool
from .connection import MCPConnection, MCPServerError

logger = logging.getLogger("vocalis.mcp")

SlowCallback = Callable[[str], Awaitable[None]]

_INVALID_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def tool_name(mcp_name: str) -> str:
    """A name LLM providers accept (letters, digits, ``_``, ``-``; at most 64 characters)."""
    return (_INVALID_NAME_CHARS.sub("_", mcp_name) or "tool")[:64]


def result_text(result: Any) -> str:
    """The text of a ``CallToolResult``: its text blocks, else its structured content as JSON."""
    parts: list[str] = []
    for block in result.content or []:
        kind = getattr(block, "type", None)
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource":
            text = getattr(block.resource, "text", None)
            parts.append(text if text is not None else f"[resource {block.resource.uri}]")
        elif kind == "resource_link":
            parts.append(f"[link {block.uri}]")
        else:
            parts.append(f"[{kind} content]")
    text = "\n".join(p for p in parts if p)
    if not text and result.structured_content is not None:
        text = json.dumps(result.structured_content, ensure_ascii=False)
    return text


def build_tool(
    connection: MCPConnection,
    tool: Any,
    *,
    name: str,
    on_slow: SlowCallback | None = None,
    hold_after: float | None = None,
) -> Any:
    """A function tool that calls ``tool`` (an SDK ``Tool``) on ``connection``."""
    remote_name = tool.name

    async def call(**arguments: Any) -> str:
        pending = asyncio.ensure_future(connection.call_tool(remote_name, arguments))
        try:
            if on_slow is not None and hold_after is not None:
                done, _ = await asyncio.wait({pending}, timeout=hold_after)
                if not done:
                    await _say_while_waiting(on_slow, name)
            result = await pending
        except MCPServerError as exc:
            raise ToolError(str(exc)) from None
        finally:
            if not pending.done():
                pending.cancel()
        text = result_text(result)
        if result.is_error:
            raise ToolError(text or f"The tool '{name}' failed.")
        return text or "ok"

    schema = tool.input_schema if isinstance(tool.input_schema, dict) else None
    return function_tool(
        call,
        name=name,
        description=tool.description or tool.title or f"The '{remote_name}' tool of {connection.name}.",
        parameters_schema=schema or {"type": "object", "properties": {}},
    )


async def _say_while_waiting(on_slow: SlowCallback, name: str) -> None:
    try:
        await on_slow(name)
    except Exception:
        logger.warning("the hold message for slow tool %r failed", name, exc_info=True)
