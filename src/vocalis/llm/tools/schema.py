"""JSON schemas for tools: the pydantic arguments model and the provider-specific shapes.

The arguments model is built from the signature, type hints and docstring; it is both the
schema sent to the LLM and the validator of the arguments the LLM sends back (see
``invocation``). ``self`` and a context parameter (see ``context_parameter``) are not arguments.
"""

from __future__ import annotations

import inspect
import json
import typing
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from .decorator import get_tool_info
from .docstring import parameter_descriptions
from .gemini import simplify_gemini_schema

#: Annotation class names treated as a context the engine passes in, never the LLM.
CONTEXT_TYPE_NAMES = frozenset(
    {"RunContext", "ToolContext", "FunctionContext", "JobContext", "AgentSession"}
)


@dataclass(frozen=True)
class ToolSignature:
    """How to call a tool: its arguments model and the Python names behind each field."""

    args_model: type[BaseModel]
    field_to_param: dict[str, str]
    context_parameter: str | None


_signatures: weakref.WeakKeyDictionary[Any, ToolSignature] = weakref.WeakKeyDictionary()


def _target(tool: Any) -> Callable[..., Any]:
    """The original function behind a tool (bound methods and wrappers unwrapped)."""
    func = tool.__func__ if inspect.ismethod(tool) else tool
    return inspect.unwrap(func)


def _is_context_annotation(annotation: Any) -> bool:
    candidates = [annotation]
    if typing.get_origin(annotation) is not None:
        candidates.extend(typing.get_args(annotation))
    for candidate in candidates:
        if isinstance(candidate, str):
            if candidate.rsplit(".", 1)[-1] in CONTEXT_TYPE_NAMES:
                return True
        elif isinstance(candidate, type) and (
            candidate.__name__ in CONTEXT_TYPE_NAMES
            or getattr(candidate, "__vocalis_tool_context__", False)
        ):
            return True
    return False


def _has_description(annotation: Any) -> bool:
    if typing.get_origin(annotation) is not Annotated:
        return False
    return any(isinstance(m, FieldInfo) and m.description for m in annotation.__metadata__)


def tool_signature(tool: Any) -> ToolSignature:
    """Analyse a tool's signature once (cached per function) into a ``ToolSignature``."""
    func = _target(tool)
    cached = _signatures.get(func)
    if cached is not None:
        return cached
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:
        hints = {}
    docs = parameter_descriptions(func)
    params = list(inspect.signature(func).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    fields: dict[str, Any] = {}
    field_to_param: dict[str, str] = {}
    context: str | None = None
    for index, param in enumerate(params):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(param.name, param.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any
        if context is None and _is_context_annotation(annotation):
            context = param.name
            continue
        default = ... if param.default is inspect.Parameter.empty else param.default
        description = None if _has_description(annotation) else docs.get(param.name)
        field_name = f"arg_{index}"
        extra = {"description": description} if description else {}
        fields[field_name] = (annotation, Field(default, alias=param.name, **extra))
        field_to_param[field_name] = param.name
    model = create_model(  # type: ignore[call-overload]
        f"{get_tool_info(tool).name}_args",
        __config__=ConfigDict(extra="forbid", arbitrary_types_allowed=True),
        **fields,
    )
    signature = ToolSignature(model, field_to_param, context)
    _signatures[func] = signature
    return signature


def build_pydantic_args_model(tool: Any) -> type[BaseModel]:
    """A pydantic model of the arguments the LLM must send (unknown fields are forbidden)."""
    return tool_signature(tool).args_model


def tool_parameters_schema(tool: Any) -> dict[str, Any]:
    """The tool's JSON schema: the explicit one if given, else the arguments model's."""
    info = get_tool_info(tool)
    if info.parameters_schema is not None:
        return info.parameters_schema
    schema = build_pydantic_args_model(tool).model_json_schema()
    return schema or {"type": "object", "properties": {}}


def build_openai_schema(function_tool: Any) -> dict[str, Any]:
    """The flat Responses/Realtime-style tool: ``{"type", "name", "description", "parameters"}``."""
    info = get_tool_info(function_tool)
    return {
        "type": "function",
        "name": info.name,
        "description": info.description or "",
        "parameters": tool_parameters_schema(function_tool),
    }


def build_nova_sonic_schema(function_tool: Any) -> dict[str, Any]:
    """Amazon Nova Sonic's ``toolSpec``; the schema travels as a JSON string."""
    info = get_tool_info(function_tool)
    return {
        "toolSpec": {
            "name": info.name,
            "description": info.description or info.name,
            "inputSchema": {"json": json.dumps(tool_parameters_schema(function_tool))},
        }
    }


def build_gemini_schema(function_tool: Any) -> Any:
    """A ``google.genai.types.FunctionDeclaration``, or the same as a dict without google-genai.

    The schema is simplified for Gemini: no ``additionalProperties``/``title``/``default``,
    references inlined, ``Optional`` as ``nullable``. An empty schema sends no parameters.
    """
    info = get_tool_info(function_tool)
    schema = tool_parameters_schema(function_tool)
    parameters = None
    if schema and schema.get("properties", True) is not None and schema.get("properties") != {}:
        parameters = simplify_gemini_schema(schema)
    try:
        from google.genai import types
    except ImportError:
        return {"name": info.name, "description": info.description or "", "parameters": parameters}
    return types.FunctionDeclaration(
        name=info.name,
        description=info.description or "",
        parameters=types.Schema.model_validate(parameters) if parameters else None,
    )
