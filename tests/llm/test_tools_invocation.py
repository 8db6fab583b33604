"""invoke_tool: validation errors and tool failures become readable results, never exceptions."""

import threading
from typing import Any

from pydantic import BaseModel

from vocalis.llm.tools import ToolError, format_tool_output, function_tool, invoke_tool


class RunContext:
    pass


class Reading(BaseModel):
    city: str
    celsius: float


@function_tool
async def get_weather(city: str, days: int = 1) -> Reading:
    """Weather for a city."""
    return Reading(city=city, celsius=20.0 + days)


@function_tool
def add(a: int, b: int) -> dict[str, Any]:
    """Add two numbers (a sync tool)."""
    return {"sum": a + b, "thread": threading.current_thread() is threading.main_thread()}


@function_tool
def noop() -> None:
    """Does nothing."""


@function_tool
async def broken(x: int = 0) -> str:
    """Always fails."""
    raise RuntimeError("database unreachable")


@function_tool
async def refuses() -> str:
    """Fails on purpose with a message for the LLM."""
    raise ToolError("The shop is closed today.")


async def test_valid_json_arguments_are_coerced_and_output_json_encoded():
    result = await invoke_tool(get_weather, '{"city": "Oslo", "days": "3"}')
    assert not result.is_error
    assert result.value == Reading(city="Oslo", celsius=23.0)
    assert result.output == '{"city":"Oslo","celsius":23.0}'
    assert result.name == "get_weather"


async def test_sync_tools_run_in_a_worker_thread():
    result = await invoke_tool(add, {"a": 2, "b": "3"})
    assert result.value == {"sum": 5, "thread": False}
    assert result.output == '{"sum": 5, "thread": false}'


async def test_none_return_and_empty_arguments():
    for arguments in (None, "", "  ", {}):
        result = await invoke_tool(noop, arguments)
        assert result.output == "ok"
        assert not result.is_error


async def test_missing_argument_is_a_readable_error():
    result = await invoke_tool(get_weather, "{}")
    assert result.is_error
    assert result.output == "Invalid arguments for tool 'get_weather': field 'city' is required"


async def test_wrong_type_and_unknown_argument_are_reported_together():
    result = await invoke_tool(get_weather, {"city": "Oslo", "days": "many", "country": "NO"})
    assert result.is_error
    assert "field 'days': Input should be a valid integer" in result.output
    assert "unknown field 'country'" in result.output


async def test_bad_json_and_non_objects_are_errors():
    bad = await invoke_tool(get_weather, '{"city": ')
    assert bad.is_error
    assert "not valid JSON" in bad.output
    listed = await invoke_tool(get_weather, "[1, 2]")
    assert listed.is_error
    assert "must be a JSON object, got list" in listed.output


async def test_tool_exceptions_become_error_results():
    result = await invoke_tool(broken, None)
    assert result.is_error
    assert result.output == "Tool 'broken' failed: database unreachable"
    refused = await invoke_tool(refuses, None)
    assert refused.is_error
    assert refused.output == "The shop is closed today."


async def test_methods_and_context_parameter_are_filled_in():
    class Desk:
        def __init__(self) -> None:
            self.seen: list[Any] = []

        @function_tool
        async def transfer(self, ctx: RunContext, department: str) -> str:
            """Transfer the call."""
            self.seen.append(ctx)
            return f"to {department}"

    desk = Desk()
    context = RunContext()
    result = await invoke_tool(desk.transfer, '{"department": "sales"}', context=context)
    assert result.output == "to sales"
    assert desk.seen == [context]
    sneaky = await invoke_tool(desk.transfer, {"department": "x", "ctx": "fake"})
    assert sneaky.is_error
    assert "unknown field 'ctx'" in sneaky.output


async def test_raw_tools_get_keyword_arguments_with_light_checks():
    schema = {
        "type": "object",
        "properties": {"q": {"type": "string"}},
        "required": ["q"],
        "additionalProperties": False,
    }

    async def search(**kwargs: Any) -> list[str]:
        return [kwargs["q"]]

    tool = function_tool(search, name="search", parameters_schema=schema)
    ok = await invoke_tool(tool, '{"q": "voice"}')
    assert ok.output == '["voice"]'
    missing = await invoke_tool(tool, '{"x": 1}')
    assert missing.is_error
    assert missing.output == (
        "Invalid arguments for tool 'search': field 'q' is required; unknown field 'x'"
    )


def test_format_tool_output():
    assert format_tool_output("plain") == "plain"
    assert format_tool_output(None) == "ok"
    assert format_tool_output([1, "a"]) == '[1, "a"]'
    assert format_tool_output(object).startswith("\"<class")
