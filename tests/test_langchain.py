"""The LangChain adapter: tools from the registry, errors as ToolException, progress as callbacks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from gemini_audio_tools import GeminiAudioToolkit, Settings
from gemini_audio_tools.langchain import PROGRESS_EVENT, GeminiAudioTool
from gemini_audio_tools.operations import OPERATIONS
from tests._probe_operation import PROBE, PROBE_OPERATION, ProbeOutput


@pytest.fixture(autouse=True)
def probe_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPERATIONS, PROBE, PROBE_OPERATION)


@pytest.fixture
def probe_tool() -> BaseTool:
    return GeminiAudioToolkit(operations=[PROBE]).get_tools()[0]


def call(tool: BaseTool, **args: Any) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "call-1", "name": tool.name, "args": args})
    assert isinstance(message, ToolMessage)
    return message


def test_the_toolkit_has_one_tool_per_registered_operation_in_registry_order() -> None:
    tools = GeminiAudioToolkit().get_tools()
    assert [t.name for t in tools] == list(OPERATIONS)
    for tool in tools:
        op = OPERATIONS[tool.name]
        assert tool.description == op.description
        assert tool.args_schema is op.input_model
        assert tool.response_format == "content_and_artifact"
        assert tool.handle_tool_error is True


def test_hints_are_mirrored_in_metadata(probe_tool: BaseTool) -> None:
    assert probe_tool.metadata == {
        "operation": PROBE,
        "title": "Probe echo",
        "read_only": True,
        "destructive": False,
        "idempotent": True,
        "open_world": False,
    }


def test_the_operations_filter_selects_and_orders_tools() -> None:
    assert [t.name for t in GeminiAudioToolkit(operations=[PROBE]).get_tools()] == [PROBE]


def test_an_unknown_operation_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match=r"Unknown operation 'nope'.*probe_echo"):
        GeminiAudioToolkit(operations=["nope"])


def test_content_is_the_concise_text_and_the_artifact_the_output_model(probe_tool: BaseTool) -> None:
    message = call(probe_tool, text="hello", loud=True)
    assert message.content == "echo: HELLO"
    assert message.artifact == ProbeOutput(echoed="HELLO", steps=0)
    assert message.status == "success"


async def test_the_async_path_gives_the_same_result(probe_tool: BaseTool) -> None:
    message = await probe_tool.ainvoke(
        {"type": "tool_call", "id": "1", "name": PROBE, "args": {"text": "hi"}}
    )
    assert message.content == "echo: hi" and message.artifact == ProbeOutput(echoed="hi", steps=0)


async def test_the_sync_path_works_inside_a_running_event_loop(probe_tool: BaseTool) -> None:
    assert call(probe_tool, text="hi").content == "echo: hi"


def test_a_library_error_reaches_the_model_as_an_error_message(probe_tool: BaseTool) -> None:
    message = call(probe_tool, text="x", outcome="caller")
    assert message.status == "error"
    assert message.content == "end 12:30 is past the audio's end 10:28; pass an end of at most 10:28."


def test_without_error_handling_a_library_error_is_a_tool_exception() -> None:
    from langchain_core.tools import ToolException

    tool = GeminiAudioTool(operation=PROBE, name=PROBE, description="d", handle_tool_error=False)
    with pytest.raises(ToolException, match="unavailable"):
        tool.invoke({"text": "x", "outcome": "remote"})


def test_invalid_arguments_are_explained_not_raised(probe_tool: BaseTool) -> None:
    message = call(probe_tool, text="x", steps=99, colour="red")
    assert message.status == "error"
    assert str(message.content).startswith("Invalid arguments for probe_echo:")
    assert "steps" in str(message.content) and "colour" in str(message.content)


def test_a_bug_is_not_disguised_as_a_tool_result(probe_tool: BaseTool) -> None:
    with pytest.raises(RuntimeError, match="secret internal detail"):
        call(probe_tool, text="x", outcome="crash")


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.texts: list[str] = []

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append((name, data))

    def on_text(self, text: str, **kwargs: Any) -> None:
        self.texts.append(text)


class _AsyncRecorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    async def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append((name, data))


def test_progress_reaches_callbacks_as_custom_events_and_text(probe_tool: BaseTool) -> None:
    recorder = _Recorder()
    probe_tool.invoke({"text": "x", "steps": 2}, config={"callbacks": [recorder]})
    assert recorder.events == [
        (PROGRESS_EVENT, {"tool": PROBE, "progress": 1, "total": 2, "message": "step 1"}),
        (PROGRESS_EVENT, {"tool": PROBE, "progress": 2, "total": 2, "message": "step 2"}),
    ]
    assert recorder.texts == ["[probe_echo] 1/2 step 1\n", "[probe_echo] 2/2 step 2\n"]


async def test_async_progress_reaches_async_callbacks(probe_tool: BaseTool) -> None:
    recorder = _AsyncRecorder()
    await probe_tool.ainvoke({"text": "x", "steps": 3}, config={"callbacks": [recorder]})
    assert [data["progress"] for _, data in recorder.events] == [1, 2, 3]


async def test_progress_shows_up_in_astream_events(probe_tool: BaseTool) -> None:
    events = [e async for e in probe_tool.astream_events({"text": "x", "steps": 1}, version="v2")]
    custom = [e for e in events if e["event"] == "on_custom_event"]
    assert [(e["name"], dict(e["data"])["message"]) for e in custom] == [(PROGRESS_EVENT, "step 1")]


def test_toolkit_overrides_apply_on_top_of_the_given_settings(tmp_path: Path) -> None:
    base = Settings(model="gemini-base", allowed_dirs=(Path("/"),))
    toolkit = GeminiAudioToolkit(settings=base, allowed_dirs=[tmp_path], model="gemini-other")
    resolved = toolkit.resolved_settings()
    assert resolved is not None
    assert resolved.allowed_dirs == (tmp_path.resolve(),) and resolved.model == "gemini-other"
    tool = toolkit.get_tools()[0]
    assert isinstance(tool, GeminiAudioTool) and tool.settings == resolved


def test_without_overrides_the_environment_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []

    async def spy(args: Any, ctx: Any) -> ProbeOutput:
        seen.append(ctx.settings)
        return ProbeOutput(echoed=args.text, steps=0)

    monkeypatch.setitem(OPERATIONS, PROBE, PROBE_OPERATION.__class__(**{**vars(PROBE_OPERATION), "run": spy}))
    tool = GeminiAudioToolkit(operations=[PROBE]).get_tools()[0]
    monkeypatch.setenv("GEMINI_AUDIO_MODEL", "gemini-from-env")
    tool.invoke({"text": "x"})
    assert seen[0].model == "gemini-from-env"


def test_a_tool_can_be_built_from_the_operation_name_alone() -> None:
    tool = GeminiAudioTool(operation=PROBE)  # type: ignore[call-arg]
    assert (tool.name, tool.args_schema) == (PROBE, PROBE_OPERATION.input_model)
    assert asyncio.run(tool.ainvoke({"text": "a"})) == "echo: a"


def test_without_a_key_a_tool_error_offers_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    tool = GeminiAudioToolkit(operations=["list_audio_files"]).get_tools()[0]
    message = call(tool)
    assert message.status == "error"
    assert "GEMINI_API_KEY to any value" in str(message.content)  # the offline way out, spelled out


def test_progress_events_reach_callbacks_as_custom_events(probe_tool: BaseTool) -> None:
    recorder = _Recorder()
    probe_tool.invoke({"text": "x", "steps": 1, "events": True}, config={"callbacks": [recorder]})
    messages = [data["message"] for _, data in recorder.events]
    assert messages[0] == "uploading probe.wav: 0 bytes of 1.0 MB (0%)"
    assert messages[-1] == "working on probe.wav: 1 of 1 chunk (100%)"
    assert [data["progress"] for _, data in recorder.events][-1] == 100


def test_progress_events_keep_their_phase_and_unit_in_custom_events(probe_tool: BaseTool) -> None:
    recorder = _Recorder()
    probe_tool.invoke({"text": "x", "steps": 1, "events": True}, config={"callbacks": [recorder]})
    first = recorder.events[0][1]
    assert (first["phase"], first["unit"], first["done"], first["total"]) == ("upload", "bytes", 0, 1_000_000)
