"""Function declarations: every registered operation, with self-contained schemas the SDK accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.genai import types

import gemini_audio_tools
from gemini_audio_tools.declarations import function_declarations, openai_tools, parameters_schema
from gemini_audio_tools.operations import OPERATIONS
from tests._probe_operation import PROBE, PROBE_OPERATION


@pytest.fixture(autouse=True)
def probe_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPERATIONS, PROBE, PROBE_OPERATION)


def test_there_is_one_declaration_per_registered_operation_in_registry_order() -> None:
    assert [d.name for d in function_declarations()] == list(OPERATIONS)
    assert [t["function"]["name"] for t in openai_tools()] == list(OPERATIONS)


def test_declarations_are_exported_lazily_from_the_package() -> None:
    assert gemini_audio_tools.function_declarations is function_declarations
    assert gemini_audio_tools.openai_tools is openai_tools


def test_descriptions_are_the_input_models_docstrings() -> None:
    for declaration in function_declarations():
        assert declaration.description == OPERATIONS[str(declaration.name)].description


def _walk(node: Any) -> list[str]:
    keys: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            keys.append(key)
            keys.extend(_walk(value))
    elif isinstance(node, list):
        for item in node:
            keys.extend(_walk(item))
    return keys


def test_nested_models_are_inlined_because_gemini_does_not_resolve_refs() -> None:
    schema = parameters_schema(PROBE_OPERATION)
    assert "$ref" not in _walk(schema) and "$defs" not in schema
    window = schema["properties"]["window"]  # optional: its null option is left out of listed schemas
    assert window["properties"]["seconds"]["exclusiveMinimum"] == 0


def test_schemas_keep_what_the_model_needs_and_drop_titles() -> None:
    schema = parameters_schema(PROBE_OPERATION)
    assert schema["required"] == ["text"]
    assert schema["properties"]["outcome"]["enum"] == ["ok", "caller", "remote", "crash", "noisy"]
    assert schema["properties"]["text"]["description"] == "Text to echo."
    assert "title" not in _walk(schema)


def test_a_field_named_title_is_kept() -> None:
    from pydantic import BaseModel, Field

    from gemini_audio_tools.operations import Operation

    class Titled(BaseModel):
        """Has a field called title."""

        title: str = Field(description="A title.")

    op = Operation("titled", Titled, Titled, PROBE_OPERATION.run, PROBE_OPERATION.hints)  # type: ignore[arg-type]
    assert parameters_schema(op)["properties"]["title"]["description"] == "A title."


def test_declarations_survive_the_sdks_own_serialization_into_a_tool() -> None:
    tool = types.Tool(function_declarations=function_declarations())
    wire = json.loads(tool.model_dump_json(exclude_none=True))
    names = [d["name"] for d in wire["function_declarations"]]
    assert names == list(OPERATIONS)
    assert all("parameters_json_schema" in d for d in wire["function_declarations"])


def test_openai_tools_have_the_function_tool_shape() -> None:
    for tool in openai_tools():
        assert tool["type"] == "function"
        assert set(tool["function"]) == {"name", "description", "parameters"}
        assert tool["function"]["parameters"]["type"] == "object"
    json.dumps(openai_tools())  # plain JSON, nothing SDK-specific
