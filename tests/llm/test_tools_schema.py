"""Tool schemas: the pydantic arguments model and the OpenAI, Gemini and Nova Sonic shapes."""

import json
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from vocalis.llm.tools import (
    build_gemini_schema,
    build_nova_sonic_schema,
    build_openai_schema,
    build_pydantic_args_model,
    function_tool,
    simplify_gemini_schema,
)


class Unit(Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Address(BaseModel):
    street: str
    zip_code: str | None = None


class RunContext:
    """Stands in for the engine's context type (matched by name)."""


@function_tool
async def get_weather(
    city: str,
    unit: Unit = Unit.CELSIUS,
    days: int = 1,
    mode: Literal["brief", "full"] = "brief",
    tags: list[str] | None = None,
    note: Annotated[str, Field(description="Free text for the forecaster")] = "",
) -> str:
    """Get the weather forecast.

    Args:
        city: Name of the city,
            for example Paris.
        unit (Unit): Temperature unit.
        days: How many days.
    Returns:
        The forecast.
    """
    return city


class Shop:
    @function_tool
    def ship(self, context: RunContext, address: Address, express: bool = False) -> str:
        """Ship the basket.

        :param address: Where to ship.
        :param bool express: Faster
            shipping.
        """
        return address.street


def _params(tool: Any) -> dict[str, Any]:
    return build_openai_schema(tool)["parameters"]


def test_openai_schema_is_flat_with_types_defaults_and_docstring_descriptions():
    schema = build_openai_schema(get_weather)
    assert schema["type"] == "function"
    assert schema["name"] == "get_weather"
    assert schema["description"] == "Get the weather forecast."
    params = schema["parameters"]
    props = params["properties"]
    assert params["type"] == "object"
    assert params["required"] == ["city"]
    assert params["additionalProperties"] is False
    assert props["city"]["type"] == "string"
    assert props["city"]["description"] == "Name of the city, for example Paris."
    assert props["unit"]["description"] == "Temperature unit."
    assert props["unit"]["default"] == "celsius"
    assert params["$defs"]["Unit"]["enum"] == ["celsius", "fahrenheit"]
    assert props["days"] == {
        "default": 1,
        "description": "How many days.",
        "title": "Days",
        "type": "integer",
    }
    assert props["mode"]["enum"] == ["brief", "full"]
    assert {"type": "array", "items": {"type": "string"}} in props["tags"]["anyOf"]
    assert props["note"]["description"] == "Free text for the forecaster"


def test_self_and_context_are_skipped_and_rest_docstrings_are_read():
    params = _params(Shop().ship)
    assert set(params["properties"]) == {"address", "express"}
    assert params["required"] == ["address"]
    assert params["properties"]["address"]["description"] == "Where to ship."
    assert params["properties"]["express"]["description"] == "Faster shipping."
    assert "Address" in params["$defs"]


def test_numpy_docstrings_are_read():
    @function_tool
    def book(room: str, nights: int = 1) -> None:
        """Book a room.

        Parameters
        ----------
        room : str
            Room name.
        nights : int
            Number of nights.

        Returns
        -------
        None
        """

    props = _params(book)["properties"]
    assert props["room"]["description"] == "Room name."
    assert props["nights"]["description"] == "Number of nights."
    assert "Returns" not in props


def test_args_model_validates_and_coerces():
    model = build_pydantic_args_model(get_weather)
    parsed = model.model_validate({"city": "Oslo", "days": "3", "unit": "fahrenheit"})
    dumped = parsed.model_dump(by_alias=True)
    assert dumped["days"] == 3
    assert dumped["unit"] is Unit.FAHRENHEIT


def test_tool_without_parameters_gets_an_empty_object_schema():
    @function_tool
    def ping() -> str:
        return "pong"

    params = _params(ping)
    assert params["type"] == "object"
    assert params["properties"] == {}
    assert build_openai_schema(ping)["description"] == ""


def test_explicit_schema_is_used_as_is():
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}

    async def run(**kwargs: Any) -> Any:
        return kwargs

    tool = function_tool(run, name="search", parameters_schema=schema)
    assert build_openai_schema(tool)["parameters"] is schema
    spec = build_nova_sonic_schema(tool)["toolSpec"]
    assert spec["description"] == "search"
    assert json.loads(spec["inputSchema"]["json"]) == schema


def test_nova_sonic_schema_carries_json_string():
    spec = build_nova_sonic_schema(get_weather)["toolSpec"]
    assert spec["name"] == "get_weather"
    assert spec["description"] == "Get the weather forecast."
    assert json.loads(spec["inputSchema"]["json"]) == _params(get_weather)


def test_gemini_simplification_inlines_refs_and_drops_unsupported_keywords():
    simple = simplify_gemini_schema(_params(Shop().ship))
    text = json.dumps(simple)
    for banned in ("$ref", "$defs", "additionalProperties", "title", "default"):
        assert banned not in text
    address = simple["properties"]["address"]
    assert address["type"] == "object"
    assert address["description"] == "Where to ship."
    assert address["properties"]["zip_code"] == {"type": "string", "nullable": True}
    weather = simplify_gemini_schema(_params(get_weather))
    assert weather["properties"]["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert weather["properties"]["tags"]["nullable"] is True
    assert weather["properties"]["tags"]["type"] == "array"


def test_gemini_simplification_handles_non_string_enums_and_recursion():
    schema = {
        "type": "object",
        "properties": {
            "level": {"enum": [1, 2], "type": "integer"},
            "node": {"$ref": "#/$defs/Node"},
        },
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"child": {"$ref": "#/$defs/Node"}},
            }
        },
    }
    simple = simplify_gemini_schema(schema)
    assert "enum" not in simple["properties"]["level"]
    assert "1, 2" in simple["properties"]["level"]["description"]
    assert simple["properties"]["node"]["properties"]["child"] == {"type": "object"}


def test_gemini_declaration_built_with_google_genai():
    decl = build_gemini_schema(get_weather)
    assert decl.name == "get_weather"
    assert decl.description == "Get the weather forecast."
    assert decl.parameters is not None
    assert decl.parameters.required == ["city"]
    assert set(decl.parameters.properties) >= {"city", "unit", "days"}

    @function_tool
    def ping() -> None:
        """Ping."""

    assert build_gemini_schema(ping).parameters is None


def test_gemini_schema_is_a_plain_dict_without_google_genai(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "google.genai", None)
    decl = build_gemini_schema(get_weather)
    assert decl["name"] == "get_weather"
    assert decl["parameters"]["required"] == ["city"]
    assert "additionalProperties" not in json.dumps(decl)


def test_context_marked_by_attribute_and_unannotated_parameters():
    class Session:
        __vocalis_tool_context__ = True

    @function_tool
    def remember(session: Session, fact, times: int = 1) -> None:
        """Remember a fact."""

    params = _params(remember)
    assert set(params["properties"]) == {"fact", "times"}
    assert params["required"] == ["fact"]
    assert "type" not in params["properties"]["fact"]
