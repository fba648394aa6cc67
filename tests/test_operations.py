"""Invariants of the registry every adapter relies on: names from docs/contract.md, descriptions for the LLM,
coherent hints, and raw-argument errors turned into one readable InvalidArgumentError."""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from gemini_audio_tools.config import Settings
from gemini_audio_tools.errors import InvalidArgumentError
from gemini_audio_tools.kit import LazyRun
from gemini_audio_tools.operations import (
    OPERATIONS,
    Operation,
    call_operation,
    call_operation_sync,
    get_operation,
)
from gemini_audio_tools.schemas import InspectAudioOutput
from tests._contract import AUDIO_TOOLS, TOOL_NAMES

OPS = list(OPERATIONS.values())


def _ids(op: Operation[Any, Any]) -> str:
    return op.name


def test_the_registry_holds_exactly_the_operations_of_the_design_in_its_order() -> None:
    assert list(OPERATIONS) == TOOL_NAMES


@pytest.mark.parametrize("op", OPS, ids=_ids)
def test_every_operation_name_is_a_valid_tool_name_and_matches_its_key(op: Operation[Any, Any]) -> None:
    assert OPERATIONS[op.name] is op
    assert re.fullmatch(r"[a-z][a-z0-9_]{0,63}", op.name)
    assert op.title


@pytest.mark.parametrize("op", OPS, ids=_ids)
def test_every_operation_has_a_tool_description_from_its_input_docstring(op: Operation[Any, Any]) -> None:
    assert op.input_model.__doc__, f"{op.input_model.__name__} needs a docstring: it is the tool description"
    assert op.description != op.name
    assert 40 <= len(op.description) <= 1024


@pytest.mark.parametrize("op", OPS, ids=_ids)
def test_every_input_field_has_a_description_for_the_llm(op: Operation[Any, Any]) -> None:
    schema = op.input_model.model_json_schema()
    for field, spec in schema["properties"].items():
        assert spec.get("description"), f"{op.name}.{field} has no description"


@pytest.mark.parametrize("op", OPS, ids=_ids)
def test_every_output_field_has_a_description(op: Operation[Any, Any]) -> None:
    def check(model: type[BaseModel], where: str) -> None:
        for field, info in model.model_fields.items():
            assert info.description, f"{where}.{field} has no description"

    check(op.output_model, op.name)


@pytest.mark.parametrize("op", OPS, ids=_ids)
def test_input_models_refuse_unknown_arguments(op: Operation[Any, Any]) -> None:
    assert op.input_model.model_json_schema().get("additionalProperties") is False


@pytest.mark.parametrize("name", AUDIO_TOOLS)
def test_audio_operations_take_audio_start_and_end(name: str) -> None:
    fields = OPERATIONS[name].input_model.model_fields
    assert {"audio", "start", "end"} <= set(fields)
    assert fields["audio"].is_required()
    assert not fields["start"].is_required() and not fields["end"].is_required()


@pytest.mark.parametrize("op", OPS, ids=_ids)
def test_run_functions_are_async_and_typed_with_the_registered_models(op: Operation[Any, Any]) -> None:
    run = op.run.resolve() if isinstance(op.run, LazyRun) else op.run
    assert inspect.iscoroutinefunction(run)
    hints = typing.get_type_hints(run)
    first = next(iter(inspect.signature(run).parameters))
    assert hints[first] is op.input_model
    assert hints["return"] is op.output_model


@pytest.mark.parametrize("op", OPS, ids=_ids)
def test_hints_are_coherent(op: Operation[Any, Any]) -> None:
    assert not (op.hints.read_only and op.hints.destructive)
    if op.hints.destructive:
        assert op.hints.idempotent, "deleting twice must not be an error"


def test_only_inspect_audio_stays_local_and_only_deleting_and_cancelling_are_destructive() -> None:
    assert [op.name for op in OPS if not op.hints.open_world] == ["inspect_audio"]
    assert [op.name for op in OPS if op.hints.destructive] == ["delete_audio_file", "cancel_audio_batch"]
    inspect_hints = OPERATIONS["inspect_audio"].hints
    assert inspect_hints.read_only and inspect_hints.idempotent


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("inspect_audio", {}, "Invalid arguments for inspect_audio: audio: Field required."),
        ("inspect_audio", {"audio": ""}, "audio: String should have at least 1 character"),
        ("inspect_audio", {"audio": "a.mp3", "speed": 2}, "speed: Extra inputs are not permitted"),
        ("list_audio_files", {"page_size": 0}, "page_size: Input should be greater than or equal to 1"),
        (
            "count_audio_tokens",
            {"audio": "a.mp3", "exact": "maybe"},
            "exact: Input should be a valid boolean",
        ),
        ("transcribe_audio", {"audio": "a.mp3", "format": "docx"}, "format: Input should be 'text', 'json'"),
    ],
)
async def test_bad_raw_arguments_become_one_readable_invalid_argument_error(
    name: str, arguments: dict[str, Any], expected: str
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        await call_operation(name, arguments, settings=Settings())
    message = str(caught.value)
    assert expected in message
    assert "Traceback" not in message and "pydantic" not in message.lower()


def test_an_unknown_operation_name_lists_the_known_ones() -> None:
    with pytest.raises(
        InvalidArgumentError, match="Unknown operation 'transcribe'; known operations: inspect_audio"
    ):
        get_operation("transcribe")


def _inspect_args(audio_files: dict[str, Path]) -> tuple[dict[str, str], Settings]:
    path = audio_files["wav"]
    return {"audio": str(path)}, Settings(allowed_dirs=(path.parent.resolve(),))


def test_call_operation_sync_runs_an_operation_without_an_event_loop(audio_files: dict[str, Path]) -> None:
    arguments, settings = _inspect_args(audio_files)
    out = call_operation_sync("inspect_audio", arguments, settings=settings)
    assert isinstance(out, InspectAudioOutput) and out.format == "wav"


async def test_call_operation_sync_also_works_inside_a_running_event_loop(
    audio_files: dict[str, Path],
) -> None:
    arguments, settings = _inspect_args(audio_files)
    out = call_operation_sync("inspect_audio", arguments, settings=settings)
    assert isinstance(out, InspectAudioOutput) and out.estimated_tokens > 0
