"""Eval scenarios: YAML files saying what the user says and what the agent must do.

```yaml
name: tells the time in Paris
agent: ../assistant.py          # the agent file (relative to this file; --agent overrides)
mode: text                      # text (default) or websocket (the real /ws transport)
env: {VOCALIS_NOTES_FILE: "{tmp}/notes.json"}   # for the run; {tmp} is a fresh directory
llm:                            # optional: script the test kit's FakeLLM instead of the real LLM
  - tool_calls: [{name: get_current_time, arguments: {timezone: Europe/Paris}}]
  - text: "{tool_output}"             # the tool's own answer, so the checks below test it
turns:
  - user: What time is it in Paris?          # or audio: clips/question.wav (websocket mode)
    expect:
      tool_calls: [{name: get_current_time, arguments: {timezone: Europe/Paris}}]
      facts: [Europe/Paris]                   # the reply contains these (any case)
      patterns: ['\\d{2}:\\d{2}']                 # and matches these regular expressions
      max_latency_ms: 2000                    # e2e over audio, time to first token in text
judge:                                        # optional: an LLM grades the whole conversation
  rubric: The assistant gives the time in Paris in one short sentence.
```
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class ScenarioError(ValueError):
    """A scenario file that cannot be read or makes no sense."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ToolCallSpec(_Strict):
    """A tool call: ``arguments`` given must all match (others may be there too, unless
    ``exact``)."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    exact: bool = False


class LLMStep(_Strict):
    """One scripted LLM answer (``vocalis.testing.FakeResponse``); ``{tool_output}`` in
    ``text`` is replaced by the latest tool result."""

    text: str = ""
    tool_calls: list[ToolCallSpec] = Field(default_factory=list)
    ttft: float = 0.0


class Expectations(_Strict):
    tool_calls: list[ToolCallSpec] | None = None
    """The tool calls of the turn, in order (``[]``: none at all; omitted: not checked)."""
    facts: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    max_latency_ms: float | None = None

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad pattern {pattern!r}: {exc}") from None
        return patterns


class Turn(_Strict):
    user: str | None = None
    audio: str | None = None
    expect: Expectations = Field(default_factory=Expectations)

    @model_validator(mode="after")
    def _one_input(self) -> Turn:
        if (self.user is None) == (self.audio is None):
            raise ValueError("each turn needs exactly one of 'user' (text) or 'audio' (a file)")
        return self


class Judge(_Strict):
    rubric: str
    model: str | None = None


class Scenario(_Strict):
    name: str
    agent: str | None = None
    mode: Literal["text", "websocket"] = "text"
    env: dict[str, str] = Field(default_factory=dict)
    llm: list[LLMStep] | None = None
    turns: list[Turn] = Field(min_length=1)
    judge: Judge | None = None
    turn_timeout: float = 60.0
    path: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _audio_needs_a_transport(self) -> Scenario:
        if self.mode == "text" and any(t.audio for t in self.turns):
            raise ValueError("audio turns need mode: websocket (text mode has no audio path)")
        return self

    def resolve(self, relative: str) -> Path:
        """``relative`` (from the file) as a path."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else (self.path.parent / path).resolve()


def load_scenario(path: str | Path) -> Scenario:
    """Read and check one scenario file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping with 'name' and 'turns'")
    try:
        scenario = Scenario.model_validate({**data, "path": path})
    except ValueError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return scenario
