"""Checking one turn against its expectations: tool calls and their arguments, facts and
patterns in the reply, the latency budget. Each check is a ``Check`` with a clear detail."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..metrics import TurnMetrics
from .scenario import Expectations, ToolCallSpec


@dataclass(frozen=True)
class Check:
    """One thing checked; a ``skipped`` check neither passes nor fails the scenario."""

    name: str
    passed: bool
    detail: str = ""
    skipped: bool = False


@dataclass
class ToolCallSeen:
    name: str
    arguments: dict[str, Any]
    output: str
    is_error: bool


@dataclass
class TurnOutcome:
    """What one user turn led to."""

    user: str
    heard: str = ""
    """The user's words as the agent understood them (the committed transcript)."""
    reply: str = ""
    tool_calls: list[ToolCallSeen] = field(default_factory=list)
    metrics: TurnMetrics | None = None
    first_text_ms: float | None = None
    """From the turn being committed to the first sentence of the reply (tool calls included)."""
    errors: list[str] = field(default_factory=list)

    @property
    def latency_ms(self) -> float | None:
        """End to end when audio was played (end of speech to first audio out), else (text
        mode) from the committed turn to the reply's first sentence."""
        if self.metrics is not None and self.metrics.e2e_latency_ms is not None:
            return self.metrics.e2e_latency_ms
        return self.first_text_ms


def check_turn(expect: Expectations, outcome: TurnOutcome) -> list[Check]:
    checks: list[Check] = []
    if outcome.metrics is None:
        checks.append(Check("answered", False, "the agent did not answer this turn"))
    if expect.tool_calls is not None:
        checks.extend(_check_tools(expect.tool_calls, outcome.tool_calls))
    reply = outcome.reply.casefold()
    for fact in expect.facts:
        checks.append(Check(f"fact {fact!r}", fact.casefold() in reply,
                            "" if fact.casefold() in reply else f"reply was {outcome.reply!r}"))
    for pattern in expect.patterns:
        found = re.search(pattern, outcome.reply, re.IGNORECASE) is not None
        checks.append(Check(f"pattern /{pattern}/", found,
                            "" if found else f"reply was {outcome.reply!r}"))
    if expect.max_latency_ms is not None:
        latency = outcome.latency_ms
        if latency is None:
            checks.append(Check(f"latency <= {expect.max_latency_ms:g} ms", False,
                                "no latency was measured"))
        else:
            checks.append(Check(f"latency <= {expect.max_latency_ms:g} ms",
                                latency <= expect.max_latency_ms, f"{latency:.0f} ms"))
    return checks


def _check_tools(expected: list[ToolCallSpec], seen: list[ToolCallSeen]) -> list[Check]:
    names = [call.name for call in seen]
    if not expected:
        return [Check("no tool call", not seen, f"called {names}" if seen else "")]
    checks = []
    remaining = list(seen)
    for spec in expected:
        match = next((call for call in remaining if _matches(spec, call)), None)
        label = f"tool {spec.name}({_arguments(spec.arguments)})"
        if match is not None:
            remaining.remove(match)
            checks.append(Check(label, True, f"-> {match.output[:80]}"))
            continue
        same_name = [call for call in seen if call.name == spec.name]
        if same_name:
            detail = "called with " + "; ".join(_arguments(c.arguments) for c in same_name)
        else:
            detail = f"not called (calls: {names or 'none'})"
        checks.append(Check(label, False, detail))
    return checks


def _matches(spec: ToolCallSpec, call: ToolCallSeen) -> bool:
    if spec.name != call.name:
        return False
    if spec.exact and set(spec.arguments) != set(call.arguments):
        return False
    return all(key in call.arguments and _same(value, call.arguments[key])
               for key, value in spec.arguments.items())


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, str) and isinstance(actual, str):
        return expected.strip().casefold() == actual.strip().casefold()
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return float(expected) == float(actual)
    return bool(expected == actual)


def _arguments(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, ensure_ascii=False, sort_keys=True)[1:-1]
