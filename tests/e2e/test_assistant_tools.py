"""``examples/assistant.py`` without audio: its tools, its notes file and its choice of LLM."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "assistant.py"


@pytest.fixture(scope="module")
def assistant() -> Any:
    spec = importlib.util.spec_from_file_location("vocalis_example_assistant_tools", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("2 + 2", 4),
        ("(12.5 * 4) / 5", 10.0),
        ("2 ^ 10", 1024),
        ("-3 ** 2", -9),
        ("sqrt(16) + abs(-2)", 6.0),
        ("17 // 5 + 17 % 5", 5),
        ("round(pi, 2)", 3.14),
    ],
)
def test_calculator_does_arithmetic(assistant: Any, expression: str, value: float) -> None:
    assert assistant.calculate(expression) == value


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "open('/etc/passwd')",
        "(1).__class__",
        "x + 1",
        "9 ** 9 ** 9",
        "1 / 0",
        "[1, 2]",
        "lambda: 1",
        "sqrt(x=4)",
        "2 +",
    ],
)
def test_calculator_refuses_anything_else(assistant: Any, expression: str) -> None:
    with pytest.raises(assistant.CalculationError):
        assistant.calculate(expression)


async def test_tools_answer_in_words(assistant: Any, tmp_path: Path) -> None:
    agent = assistant.Assistant(notes=assistant.NoteBook(tmp_path / "notes.json"))
    assert await agent.calculate("6 * 7") == "6 * 7 = 42"
    assert (await agent.calculate("1/0")).startswith("Could not calculate")
    assert await agent.read_notes() == "There are no notes."
    assert await agent.save_note("buy milk") == "Saved. There are 1 notes."
    await agent.save_note("call Ana")
    assert await agent.read_notes() == "1. buy milk 2. call Ana"
    again = assistant.NoteBook(tmp_path / "notes.json")  # another call reads the same file
    assert [n["text"] for n in again.read()] == ["buy milk", "call Ana"]
    assert await agent.clear_notes() == "Deleted 2 notes."
    assert set(agent.tools.names) >= {"get_current_time", "calculate", "save_note", "read_notes"}


def test_a_broken_notes_file_starts_a_new_notebook(assistant: Any, tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text("{not json")
    notes = assistant.NoteBook(path)
    assert notes.read() == []
    assert notes.add("first") == 1


def test_time_is_told_in_the_asked_zone(assistant: Any) -> None:
    moment = datetime(2025, 3, 14, 15, 15, tzinfo=UTC)
    said = assistant.describe_time("Europe/Paris", now=moment)
    assert said == "It is 16:15 on Friday, March 14, 2025 (Europe/Paris)."
    assert "don't know the time zone" in assistant.describe_time("Mars/Olympus")


def test_the_llm_comes_from_the_environment(assistant: Any) -> None:
    assert assistant.choose_llm({}) is None
    local = assistant.choose_llm(
        {"OPENAI_BASE_URL": "http://localhost:11434/v1", "VOCALIS_LLM_MODEL": "llama3.2"}
    )
    assert local.model == "llama3.2"
    assert str(local._client.base_url).startswith("http://localhost:11434/v1")
    override = assistant.choose_llm(
        {"OPENAI_BASE_URL": "http://a/v1", "VOCALIS_LLM_BASE_URL": "http://127.0.0.1:9/v1"}
    )
    assert str(override._client.base_url).startswith("http://127.0.0.1:9/v1")
    cloud = assistant.choose_llm({"OPENAI_API_KEY": "sk-test"})
    assert cloud.model == "gpt-4o-mini"


async def test_without_an_llm_every_reply_says_how_to_add_one(assistant: Any) -> None:
    llm = assistant.UnconfiguredLLM()
    chunks = [c.content async for c in llm.chat(None)]
    assert chunks == [assistant.NO_LLM_MESSAGE]
    assert "OPENAI_API_KEY" in assistant.NO_LLM_MESSAGE
    assert "OPENAI_BASE_URL" in assistant.NO_LLM_MESSAGE
