"""@function_tool, FunctionToolInfo and the tool lookups."""

import asyncio

import pytest

from vocalis.llm.tools import (
    FunctionTool,
    FunctionToolInfo,
    find_tool,
    function_tool,
    get_tool_info,
    is_function_tool,
)


@function_tool
def lookup(order_id: str) -> str:
    """Look up an order.

    Args:
        order_id: The order number.
    """
    return order_id


@function_tool(name="renamed")
async def fetch(url: str) -> str:
    """Fetch a page."""
    return url


class Shop:
    def __init__(self) -> None:
        self.calls: list[str] = []

    @function_tool
    async def buy(self, item: str) -> str:
        """Buy an item."""
        self.calls.append(item)
        return f"bought {item}"

    def plain(self) -> None:
        """Not a tool."""


def test_bare_decorator_keeps_function_and_builds_info():
    info = get_tool_info(lookup)
    assert info == FunctionToolInfo(name="lookup", description="Look up an order.")
    assert lookup("A1") == "A1"
    assert lookup.__name__ == "lookup"
    assert isinstance(lookup, FunctionTool)


async def test_decorator_with_name_keeps_async_function():
    assert get_tool_info(fetch).name == "renamed"
    assert asyncio.iscoroutinefunction(fetch)
    assert await fetch("x") == "x"


async def test_bound_methods_are_tools_and_callable():
    shop = Shop()
    assert is_function_tool(shop.buy)
    assert isinstance(shop.buy, FunctionTool)
    assert get_tool_info(shop.buy).name == "buy"
    assert await shop.buy("tea") == "bought tea"
    assert shop.calls == ["tea"]
    assert not is_function_tool(shop.plain)


def test_non_tools_are_rejected_clearly():
    def plain() -> None:
        pass

    assert not is_function_tool(plain)
    assert not is_function_tool(42)
    with pytest.raises(ValueError, match="Object is not a function tool"):
        get_tool_info(plain)


def test_raw_tool_from_explicit_schema():
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}

    async def call(**kwargs: object) -> object:
        return kwargs

    tool = function_tool(call, name="search", description="Search docs.", parameters_schema=schema)
    info = get_tool_info(tool)
    assert info.name == "search"
    assert info.description == "Search docs."
    assert info.parameters_schema is schema


def test_invalid_names_and_inputs_raise_typed_errors():
    with pytest.raises(ValueError, match="Invalid tool name"):
        function_tool(lambda: None)
    with pytest.raises(ValueError, match="Invalid tool name"):
        function_tool(name="has space")(lookup)
    with pytest.raises(TypeError, match="expects a callable"):
        function_tool(name="x")(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="parameters_schema"):
        function_tool(lookup, name="y", parameters_schema="{}")  # type: ignore[arg-type]


def test_docstring_without_sections_is_the_whole_description():
    @function_tool
    def hello() -> None:
        """Say hello.

        Used at the start of a call.
        """

    @function_tool
    def bare() -> None:
        pass

    assert get_tool_info(hello).description == "Say hello.\n\nUsed at the start of a call."
    assert get_tool_info(bare).description is None


def test_find_tool_by_name_ignores_non_tools():
    shop = Shop()
    tools = [lookup, "junk", fetch, shop.buy]
    assert find_tool(tools, "renamed") is fetch
    assert find_tool(tools, "buy") == shop.buy
    assert find_tool(tools, "missing") is None
    assert find_tool(None, "lookup") is None
