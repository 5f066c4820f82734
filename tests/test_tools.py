"""Specification of ClientTool: schema and calling convention from a handler's signature."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel

from chatkit_widget.tools import ClientTool


class Marker(BaseModel):
    lat: float
    lon: float
    label: str = ""


# -- schema and calling convention -------------------------------------------------------------


async def test_a_pydantic_parameter_gives_its_schema_and_a_validated_instance():
    received: list[Any] = []

    def add_marker(marker: Marker) -> dict[str, Any]:
        received.append(marker)
        return {"ok": True}

    tool = ClientTool.from_handler("add_marker", add_marker)

    assert tool.parameters == Marker.model_json_schema()
    assert await tool.invoke({"lat": "1.5", "lon": 2}) == {"ok": True}
    assert received == [Marker(lat=1.5, lon=2.0)]


async def test_named_parameters_give_a_schema_and_keyword_arguments():
    def zoom(level: int, animate: bool = False) -> str:
        """Zoom the map.

        Args:
            level: Zoom level, 0-20.
            animate: Whether to animate.
        """
        return f"{level}/{animate}"

    tool = ClientTool.from_handler("zoom", zoom)

    assert tool.description == "Zoom the map."
    assert tool.parameters["required"] == ["level"]
    assert tool.parameters["properties"]["level"]["type"] == "integer"
    assert tool.parameters["properties"]["level"]["description"] == "Zoom level, 0-20."
    assert await tool.invoke({"level": 3}) == "3/False"
    assert await tool.invoke({"level": 4, "animate": True}) == "4/True"


@pytest.mark.parametrize("annotation", ["none", "dict", "dict[str, Any]", "Mapping[str, Any]"])
async def test_a_single_dict_like_parameter_gets_the_arguments_as_they_are(annotation: str):
    handlers = {
        "none": lambda params: {"got": params},
        "dict": _dict_handler,
        "dict[str, Any]": _typed_dict_handler,
        "Mapping[str, Any]": _mapping_handler,
    }
    tool = ClientTool.from_handler("echo", handlers[annotation])

    assert tool.parameters == {"type": "object", "additionalProperties": True}
    assert await tool.invoke({"anything": [1, {"x": None}]}) == {
        "got": {"anything": [1, {"x": None}]}
    }


def _dict_handler(params: dict) -> dict:  # type: ignore[type-arg]
    return {"got": params}


def _typed_dict_handler(params: dict[str, Any]) -> dict[str, Any]:
    return {"got": params}


def _mapping_handler(params: Mapping[str, Any]) -> dict[str, Any]:
    return {"got": dict(params)}


async def test_a_handler_without_parameters_is_called_without_arguments():
    tool = ClientTool.from_handler("ping", lambda: "pong")

    assert tool.parameters["properties"] == {}
    assert await tool.invoke({}) == "pong"
    assert await tool.invoke(None) == "pong"


async def test_a_handler_with_only_var_keywords_gets_the_arguments_as_keywords():
    tool = ClientTool.from_handler("spread", lambda **kwargs: sorted(kwargs))

    assert tool.parameters == {"type": "object", "additionalProperties": True}
    assert await tool.invoke({"b": 1, "a": 2}) == ["a", "b"]


async def test_async_handlers_are_awaited():
    async def fetch(n: int) -> list[int]:
        await asyncio.sleep(0)
        return list(range(n))

    tool = ClientTool.from_handler("fetch", fetch)

    assert await tool.invoke({"n": 3}) == [0, 1, 2]


# -- description -------------------------------------------------------------------------------


def test_the_description_is_explicit_else_the_docstring_else_a_default():
    def documented(marker: Marker) -> None:
        """Drop a marker on the map."""

    assert ClientTool.from_handler("m", documented, "Explicit.").description == "Explicit."
    assert ClientTool.from_handler("m", documented).description == "Drop a marker on the map."
    assert ClientTool.from_handler("m", lambda: None).description == "Client tool m."


def test_an_invalid_tool_name_is_refused():
    with pytest.raises(ValueError, match="has space"):
        ClientTool.from_handler("has space", lambda: None)


# -- results and errors ------------------------------------------------------------------------


async def test_results_become_json_data():
    tool = ClientTool.from_handler("where", lambda: Marker(lat=1, lon=2, label="home"))
    assert await tool.invoke({}) == {"lat": 1.0, "lon": 2.0, "label": "home"}

    dated = ClientTool.from_handler("when", lambda: {"day": date(2025, 1, 2), "tags": ("a",)})
    assert await dated.invoke({}) == {"day": "2025-01-02", "tags": ["a"]}


async def test_invalid_arguments_raise_a_value_error_naming_the_tool():
    typed_tool = ClientTool.from_handler("typed_zoom", _zoom_typed)
    model_tool = ClientTool.from_handler("add_marker", _add_marker)

    with pytest.raises(ValueError, match="'typed_zoom'"):
        await typed_tool.invoke({"level": "not a number"})
    with pytest.raises(ValueError, match="'add_marker'"):
        await model_tool.invoke({"lat": 1})


def _zoom_typed(level: int, animate: bool = False) -> int:
    return level


def _add_marker(marker: Marker) -> None:
    return None


async def test_a_result_that_is_not_json_raises_a_type_error_naming_the_tool():
    tool = ClientTool.from_handler("get_thing", lambda: object())

    with pytest.raises(TypeError, match="'get_thing'.*not JSON-serializable"):
        await tool.invoke({})
