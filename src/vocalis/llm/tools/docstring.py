"""Reading tool docstrings: the summary for the description, and per-parameter descriptions.

Understands Google style (``Args:`` / ``Arguments:`` / ``Parameters:``), NumPy style
(``Parameters`` underlined with dashes) and reST/Sphinx style (``:param name: text``).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

_GOOGLE_ARGS = re.compile(r"^(args|arguments|parameters|params)\s*:\s*$", re.IGNORECASE)
_GOOGLE_SECTION = re.compile(
    r"^(args|arguments|parameters|params|returns?|yields?|raises?|examples?|notes?|"
    r"attributes|see also|references|warnings?|todo)\s*:\s*$",
    re.IGNORECASE,
)
_NUMPY_RULE = re.compile(r"^-{3,}\s*$")
_GOOGLE_ENTRY = re.compile(r"^\*{0,2}(\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")
_NUMPY_ENTRY = re.compile(r"^(\w+)\s*(:.*)?$")
_REST_FIELD = re.compile(r"^:(\w+)(?:\s+([^:]+?))?\s*:\s*(.*)$")


def _docstring(fn: Callable[..., Any]) -> str:
    return inspect.cleandoc(inspect.getdoc(fn) or "")


def _is_section_start(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    if _GOOGLE_SECTION.match(line) or _REST_FIELD.match(line):
        return True
    return i + 1 < len(lines) and bool(line) and bool(_NUMPY_RULE.match(lines[i + 1].strip()))


def docstring_summary(fn: Callable[..., Any]) -> str | None:
    """The docstring up to its first section (Args, Returns, ``:param``...), or None if empty."""
    lines = _docstring(fn).splitlines()
    kept: list[str] = []
    for i in range(len(lines)):
        if _is_section_start(lines, i):
            break
        kept.append(lines[i])
    text = "\n".join(kept).strip()
    return text or None


def parameter_descriptions(fn: Callable[..., Any]) -> dict[str, str]:
    """Map parameter name to its description, from whichever docstring style is used."""
    lines = _docstring(fn).splitlines()
    found: dict[str, str] = {}
    found.update(_google(lines))
    found.update(_numpy(lines))
    found.update(_rest(lines))
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _collect(entries: dict[str, list[str]]) -> dict[str, str]:
    joined = {k: " ".join(p for p in parts if p).strip() for k, parts in entries.items()}
    return {k: v for k, v in joined.items() if v}


def _google(lines: list[str]) -> dict[str, str]:
    entries: dict[str, list[str]] = {}
    i = 0
    while i < len(lines):
        if not _GOOGLE_ARGS.match(lines[i].strip()):
            i += 1
            continue
        header_indent = _indent(lines[i])
        entry_indent: int | None = None
        current: str | None = None
        i += 1
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                i += 1
                continue
            indent = _indent(line)
            if indent <= header_indent:
                break
            if entry_indent is None:
                entry_indent = indent
            match = _GOOGLE_ENTRY.match(line.strip())
            if indent == entry_indent and match:
                current = match.group(1)
                entries[current] = [match.group(3).strip()]
            elif current is not None:
                entries[current].append(line.strip())
            i += 1
    return _collect(entries)


def _numpy(lines: list[str]) -> dict[str, str]:
    entries: dict[str, list[str]] = {}
    for start in range(len(lines) - 1):
        title = lines[start].strip().lower()
        if title in ("parameters", "arguments", "args") and _NUMPY_RULE.match(
            lines[start + 1].strip()
        ):
            _numpy_entries(lines, start, entries)
            break
    return _collect(entries)


def _numpy_entries(lines: list[str], start: int, entries: dict[str, list[str]]) -> None:
    base = _indent(lines[start])
    current: str | None = None
    for i in range(start + 2, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        next_is_rule = i + 1 < len(lines) and bool(_NUMPY_RULE.match(lines[i + 1].strip()))
        if _indent(line) <= base:
            match = _NUMPY_ENTRY.match(line.strip())
            if next_is_rule or not match:
                return
            current = match.group(1)
            entries[current] = []
        elif current is not None:
            entries[current].append(line.strip())


def _rest(lines: list[str]) -> dict[str, str]:
    entries: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        match = _REST_FIELD.match(stripped)
        if match:
            kind, target, text = match.groups()
            current = None
            if kind in ("param", "parameter", "arg", "argument", "key", "keyword") and target:
                current = target.split()[-1]
                entries[current] = [text.strip()]
        elif current is not None and stripped and _indent(line) > 0:
            entries[current].append(stripped)
        elif not stripped:
            current = None
    return _collect(entries)
