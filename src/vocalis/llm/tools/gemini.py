"""Simplifying a JSON schema into the subset Gemini's function declarations accept."""

from __future__ import annotations

from typing import Any

#: Keywords Gemini rejects or ignores; dropped everywhere.
_DROPPED = frozenset(
    {"additionalProperties", "title", "default", "$defs", "definitions", "$schema", "examples"}
)
_NESTED_LISTS = ("anyOf", "oneOf", "allOf")


def simplify_gemini_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Inline ``$ref``s, drop unsupported keywords and turn ``X | None`` into ``nullable``."""
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    return _simplify(schema, defs, ())


def _resolve(node: dict[str, Any], defs: dict[str, Any], seen: tuple[str, ...]) -> Any:
    name = str(node["$ref"]).rsplit("/", 1)[-1]
    target = defs.get(name)
    if target is None or name in seen:
        # Unknown or recursive reference: Gemini has no references, so stop at an object.
        return {"type": "object", **({"description": node["description"]} if "description" in node else {})}
    merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return _simplify(merged, defs, (*seen, name))


def _simplify(node: Any, defs: dict[str, Any], seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_simplify(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _resolve(node, defs, seen)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _simplify(prop, defs, seen) for name, prop in value.items()}
        elif key in ("items", *_NESTED_LISTS):
            out[key] = _simplify(value, defs, seen)
        else:
            out[key] = value
    _merge_alternatives(out)
    _fix_enums(out)
    return out


def _merge_alternatives(out: dict[str, Any]) -> None:
    """``anyOf [X, null]`` becomes X with ``nullable``; a single ``allOf`` is merged in."""
    all_of = out.pop("allOf", None)
    if isinstance(all_of, list) and len(all_of) == 1:
        out.update({k: v for k, v in all_of[0].items() if k not in out})
    elif all_of is not None:
        out["allOf"] = all_of
    for key in ("anyOf", "oneOf"):
        options = out.pop(key, None)
        if not isinstance(options, list):
            continue
        non_null = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
        if len(non_null) < len(options):
            out["nullable"] = True
        if len(non_null) == 1 and isinstance(non_null[0], dict):
            out.update({k: v for k, v in non_null[0].items() if k not in out})
        elif non_null:
            out["anyOf"] = non_null


def _fix_enums(out: dict[str, Any]) -> None:
    """``const`` becomes a one-value enum; Gemini enums must be strings."""
    if "const" in out:
        out["enum"] = [out.pop("const")]
    enum = out.get("enum")
    if isinstance(enum, list) and not all(isinstance(v, str) for v in enum):
        del out["enum"]
        allowed = ", ".join(str(v) for v in enum)
        description = out.get("description")
        out["description"] = f"{description} (one of: {allowed})" if description else f"One of: {allowed}"
    elif isinstance(enum, list):
        out.setdefault("type", "string")
