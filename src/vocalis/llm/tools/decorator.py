"""Marking callables as LLM tools: ``@function_tool``, ``FunctionToolInfo`` and lookups.

A function tool is any callable carrying a ``_tool_info`` attribute, as in the reference.
Decorated methods work through their bound methods, and a tool can also be built from an
explicit JSON schema (MCP-style raw tools) with ``function_tool(fn, parameters_schema=...)``.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, overload, runtime_checkable

from .docstring import docstring_summary

F = TypeVar("F", bound=Callable[..., Any])

_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class FunctionToolInfo:
    """What the LLM is told about a tool; ``parameters_schema`` None means "from the signature"."""

    name: str
    description: str | None = None
    parameters_schema: dict[str, Any] | None = None


@runtime_checkable
class FunctionTool(Protocol):
    """A callable carrying ``_tool_info``: what ``@function_tool`` produces."""

    @property
    def _tool_info(self) -> FunctionToolInfo: ...

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...


@overload
def function_tool(
    func: F,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    parameters_schema: dict[str, Any] | None = None,
) -> F: ...


@overload
def function_tool(
    func: None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    parameters_schema: dict[str, Any] | None = None,
) -> Callable[[F], F]: ...


def function_tool(
    func: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    parameters_schema: dict[str, Any] | None = None,
) -> Any:
    """Turn a function (sync or async) or method into a tool the LLM can call.

    Works bare (``@function_tool``) or with arguments (``@function_tool(name="x")``). The
    description defaults to the docstring's summary (its Args/Returns sections are left to
    the parameter schema). ``parameters_schema`` makes a raw tool: the schema is sent as is and
    the function receives the LLM's arguments as keyword arguments.
    """
    if parameters_schema is not None and not isinstance(parameters_schema, dict):
        raise TypeError("parameters_schema must be a dict holding a JSON schema")

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise TypeError(f"function_tool expects a callable, got {type(fn).__name__}")
        tool_name = name or getattr(fn, "__name__", None) or ""
        if not _TOOL_NAME.match(tool_name):
            raise ValueError(
                f"Invalid tool name {tool_name!r}: use 1-64 letters, digits, '_' or '-' "
                "(pass name=... for lambdas and callable objects)"
            )
        info = FunctionToolInfo(
            name=tool_name,
            description=description if description is not None else docstring_summary(fn),
            parameters_schema=parameters_schema,
        )
        return _wrap(fn, info)

    if func is None:
        return decorate
    return decorate(func)


def _wrap(fn: Callable[..., Any], info: FunctionToolInfo) -> Callable[..., Any]:
    """A ``functools.wraps`` wrapper of the same kind (sync or async) carrying ``_tool_info``."""
    wrapper: Any
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            return await fn(*args, **kwargs)

        wrapper = async_wrapper
    else:

        @functools.wraps(fn)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

        wrapper = sync_wrapper
    wrapper._tool_info = info
    return wrapper


def _unwrap_method(obj: Any) -> Any:
    return obj.__func__ if inspect.ismethod(obj) else obj


def is_function_tool(obj: Any) -> bool:
    """Whether ``obj`` (a function, a tool, or a bound method of one) is a function tool."""
    return isinstance(getattr(_unwrap_method(obj), "_tool_info", None), FunctionToolInfo)


def get_tool_info(tool: Any) -> FunctionToolInfo:
    """The ``FunctionToolInfo`` of a tool; raises ``ValueError`` for anything else."""
    info = getattr(_unwrap_method(tool), "_tool_info", None)
    if not isinstance(info, FunctionToolInfo):
        raise ValueError("Object is not a function tool")
    return info


def find_tool(tools: Any, name: str) -> Any | None:
    """The tool called ``name`` among ``tools`` (non-tools are ignored), or None."""
    for tool in tools or ():
        if is_function_tool(tool) and get_tool_info(tool).name == name:
            return tool
    return None
