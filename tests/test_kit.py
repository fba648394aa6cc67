"""The registry's adapter kit: an operation registered once appears in every adapter, with no adapter edit."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field

from gemini_audio_tools import GeminiAudioToolkit, Settings, function_declarations, openai_tools
from gemini_audio_tools.cli import run as cli_run
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.errors import InvalidArgumentError
from gemini_audio_tools.kit import LazyRun, Result, run_sync
from gemini_audio_tools.operations import AUDIO_SOURCE, OPERATIONS, Hints, Operation
from mcp_server.server import ToolServer, build_server


class ListenInput(BaseModel):
    """Say how many bytes a recording has (test operation)."""

    model_config = ConfigDict(extra="forbid")

    recording: Annotated[str, AUDIO_SOURCE] = Field(description="A local file.", min_length=1)
    extras: Annotated[list[str], AUDIO_SOURCE] = Field(default_factory=list, description="More files.")
    label: str = Field(default="size", description="A word to print.")


class ListenOutput(BaseModel):
    size: int = Field(description="Bytes.")

    def to_text(self) -> str:
        return f"{self.size} bytes"


async def listen(args: ListenInput, ctx: RunContext) -> ListenOutput:
    path = Path(args.recording).resolve()
    if not any(path.is_relative_to(root) for root in ctx.settings.allowed_dirs):
        raise InvalidArgumentError(f"{path.name} is outside the allowed directories.")
    return ListenOutput(size=path.stat().st_size)


LISTEN = Operation(
    name="probe_listen",
    title="Probe listen",
    cli_name="listen",
    input_model=ListenInput,
    output_model=ListenOutput,
    run=listen,
    hints=Hints(read_only=True, idempotent=True, open_world=False),
)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPERATIONS, LISTEN.name, LISTEN)


@pytest.mark.usefixtures("registered")
def test_a_registered_operation_appears_in_every_adapter_without_an_adapter_edit(tmp_path: Path) -> None:
    recording = tmp_path / "memo.bin"
    recording.write_bytes(b"x" * 42)
    settings = Settings(allowed_dirs=(tmp_path,), cache_dir=tmp_path)

    tool = next(t for t in GeminiAudioToolkit(settings=settings).get_tools() if t.name == LISTEN.name)
    assert tool.invoke({"recording": str(recording)}) == "42 bytes"

    server = ToolServer(settings)
    assert LISTEN.name in [t["name"] for t in server.list_tools()]
    called = asyncio.run(server.call_tool(LISTEN.name, {"recording": str(recording)}))
    assert called["structuredContent"] == {"size": 42} and not called["isError"]
    assert build_server(settings) is not None

    out, err = io.StringIO(), io.StringIO()
    assert cli_run(["listen", str(recording)], stdout=out, stderr=err) == 0, err.getvalue()
    assert out.getvalue() == "42 bytes\n"

    assert LISTEN.name in [d.name for d in function_declarations()]
    assert LISTEN.name in [t["function"]["name"] for t in openai_tools()]


@pytest.mark.usefixtures("registered")
def test_the_cli_allows_exactly_the_files_named_in_audio_source_fields_whatever_their_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GEMINI_AUDIO_ALLOWED_DIRS", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "named.bin").write_bytes(b"abc")
    out, err = io.StringIO(), io.StringIO()
    assert cli_run(["listen", "named.bin"], stdout=out, stderr=err) == 0, err.getvalue()
    assert out.getvalue() == "3 bytes\n"


def test_audio_sources_are_the_values_of_the_marked_fields_with_lists_flattened() -> None:
    arguments = {"recording": "a.mp3", "extras": ["b.mp3", "c.mp3"], "label": "not audio"}
    assert LISTEN.audio_sources(arguments) == ["a.mp3", "b.mp3", "c.mp3"]
    assert LISTEN.audio_sources({"label": "x"}) == []


def test_the_marker_leaves_the_json_schema_unchanged() -> None:
    assert ListenInput.model_json_schema()["properties"]["recording"] == {
        "description": "A local file.",
        "minLength": 1,
        "title": "Recording",
        "type": "string",
    }


def test_invoke_returns_text_structured_output_and_the_artifact(tmp_path: Path) -> None:
    (tmp_path / "f.bin").write_bytes(b"12345")
    ctx = RunContext(settings=Settings(allowed_dirs=(tmp_path,)))
    result = asyncio.run(LISTEN.invoke({"recording": str(tmp_path / "f.bin")}, ctx))
    assert isinstance(result, Result)
    assert (result.text, result.structured) == ("5 bytes", {"size": 5})
    assert result.artifact is result.output


def test_invoke_turns_bad_raw_arguments_into_one_invalid_argument_error() -> None:
    with pytest.raises(InvalidArgumentError, match=r"probe_listen: recording: Field required; colour"):
        asyncio.run(LISTEN.invoke({"colour": "red"}))


def test_an_output_without_to_text_is_shown_as_its_json() -> None:
    result = Result(output=LISTEN.input_model(recording="a"), artifact=LISTEN.input_model(recording="a"))
    assert json.loads(result.text) == {"recording": "a", "extras": [], "label": "size"}


def test_the_command_name_defaults_to_the_tool_name_in_kebab_case() -> None:
    assert Operation(**{**vars(LISTEN), "cli_name": ""}).command == "probe-listen"
    assert LISTEN.command == "listen"


def test_run_sync_works_with_and_without_a_running_loop() -> None:
    async def answer() -> int:
        return 42

    assert run_sync(answer()) == 42

    async def inside() -> int:
        return run_sync(answer())

    assert asyncio.run(inside()) == 42


def test_registered_run_functions_are_imported_only_when_first_called() -> None:
    run = OPERATIONS["inspect_audio"].run
    assert isinstance(run, LazyRun) and run.resolve().__name__ == "inspect_audio"
