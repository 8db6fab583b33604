"""Every public callable of the reference against Vocalis's, with ``inspect.signature``.

Rules (a reference call must work unchanged): each reference parameter exists under the same
name, positional ones in the same order, keyword-only ones accepted by keyword; a default the
reference gives is the same value in Vocalis (``...`` in the table: any default); Vocalis may
add parameters only with defaults, after the reference's positional ones. Every difference must
be listed, with its reason, in ``DELIBERATE``; an entry there that no longer differs fails too.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from typing import Any

import pytest
from tests.compat.reference_signatures import DELIBERATE, REFERENCE

MISSING = object()
ANY_DEFAULT = object()


def _resolve(key: str) -> Any:
    parts = key.split(".")
    module = importlib.import_module("vocalis")
    if parts[0] == "plugins":
        module = importlib.import_module(f"vocalis.plugins.{parts[1]}")
        parts = parts[2:]
    obj: Any = module
    for part in parts:
        obj = inspect.getattr_static(obj, part) if inspect.isclass(obj) else getattr(obj, part)
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        elif isinstance(obj, property):
            obj = obj.fget
    return obj


def _reference_params(text: str) -> list[tuple[str, str, Any]]:
    """``[(name, kind, default)]`` from a ``(a, b=1, *, c)`` string."""
    node = ast.parse(f"def f{text}: pass").body[0].args  # type: ignore[attr-defined]
    params: list[tuple[str, str, Any]] = []
    positional = node.posonlyargs + node.args
    defaults = [MISSING] * (len(positional) - len(node.defaults)) + list(node.defaults)
    for arg, default in zip(positional, defaults, strict=True):
        params.append((arg.arg, "positional", _literal(default)))
    if node.vararg:
        params.append((node.vararg.arg, "var_positional", MISSING))
    for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True):
        params.append((arg.arg, "keyword", _literal(default) if default is not None else MISSING))
    if node.kwarg:
        params.append((node.kwarg.arg, "var_keyword", MISSING))
    return params


def _literal(node: Any) -> Any:
    if node is MISSING:
        return MISSING
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return ANY_DEFAULT
    return ast.literal_eval(node)


def _our_params(obj: Any) -> list[inspect.Parameter]:
    params = list(inspect.signature(obj).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    if dataclasses.is_dataclass(obj):  # show default_factory values as the default
        factories = {f.name: f.default_factory for f in dataclasses.fields(obj)
                     if f.default_factory is not dataclasses.MISSING}
        params = [p.replace(default=factories[p.name]()) if p.name in factories else p
                  for p in params]
    return params


def differences(key: str) -> list[str]:
    obj = _resolve(key)
    ours = _our_params(obj)
    by_name = {p.name: p for p in ours}
    found: list[str] = []
    ours_positional = [p.name for p in ours if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    ref = _reference_params(REFERENCE[key])
    ref_positional = [name for name, kind, _ in ref if kind == "positional"]
    if ours_positional[: len(ref_positional)] != ref_positional:
        found.append(f"positional order {ours_positional} vs {ref_positional}")
    for name, kind, default in ref:
        if kind == "var_positional":
            if not any(p.kind is p.VAR_POSITIONAL for p in ours):
                found.append("no *args")
            continue
        if kind == "var_keyword":
            if not any(p.kind is p.VAR_KEYWORD for p in ours):
                found.append("no **kwargs")
            continue
        param = by_name.get(name)
        if param is None:
            if not any(p.kind is p.VAR_KEYWORD for p in ours) or kind == "positional":
                found.append(f"missing {name!r}")
            continue
        if kind == "keyword" and param.kind is param.POSITIONAL_ONLY:
            found.append(f"{name!r} cannot be passed by keyword")
        if default is MISSING:
            continue
        if param.default is param.empty:
            found.append(f"{name!r} has no default (reference: {default!r})")
        elif default is not ANY_DEFAULT and param.default != default:
            found.append(f"{name!r} defaults to {param.default!r} (reference: {default!r})")
    ref_names = {name for name, _, _ in ref}
    for param in ours:
        if param.name in ref_names or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.default is param.empty:
            found.append(f"extra required parameter {param.name!r}")
    return found


@pytest.mark.parametrize("key", sorted(REFERENCE))
def test_signature_matches_the_reference(key):
    found = differences(key)
    if key in DELIBERATE:
        assert found, f"{key} no longer differs: remove it from DELIBERATE"
    else:
        assert not found, f"{key}: {found}"


def test_every_deliberate_difference_has_a_reason_and_a_reference_entry():
    for key, reason in DELIBERATE.items():
        assert key in REFERENCE and len(reason) > 20
