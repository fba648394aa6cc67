"""Tool definitions and calls built from the registry, in process (no transport)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_audio_tools.config import Settings
from gemini_audio_tools.operations import OPERATIONS
from mcp_server.server import ToolServer, build_server, tool_definition
from tests._probe_operation import PROBE, PROBE_OPERATION


@pytest.fixture(autouse=True)
def probe_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPERATIONS, PROBE, PROBE_OPERATION)


@pytest.fixture
def tools(tmp_path: Path) -> ToolServer:
    return ToolServer(Settings(allowed_dirs=(tmp_path,), cache_dir=tmp_path))


def test_a_definition_carries_both_schemas_and_the_hints_as_annotations() -> None:
    assert tool_definition(PROBE_OPERATION) == {
        "name": PROBE,
        "title": "Probe echo",
        "description": "Echo the text back (test operation).",
        "inputSchema": PROBE_OPERATION.input_schema,
        "outputSchema": PROBE_OPERATION.output_schema,
        "annotations": {
            "title": "Probe echo",
            "readOnlyHint": True,
            "destructiveHint": False,
            "idempotentHint": True,
            "openWorldHint": False,
        },
    }


def test_every_output_schema_is_an_object_as_mcp_requires(tools: ToolServer) -> None:
    for tool in tools.list_tools():
        assert tool["outputSchema"]["type"] == "object"


async def test_a_result_has_structured_content_and_the_concise_text(tools: ToolServer) -> None:
    result = await tools.call_tool(PROBE, {"text": "hi", "loud": True})
    assert result == {
        "content": [{"type": "text", "text": "echo: HI"}],
        "structuredContent": {"echoed": "HI", "steps": 0},
        "isError": False,
    }


async def test_missing_arguments_are_a_tool_error(tools: ToolServer) -> None:
    result = await tools.call_tool(PROBE, None)
    assert result["isError"] is True
    assert result["content"][0]["text"] == "Invalid arguments for probe_echo: text: Field required."


async def test_progress_goes_to_the_given_sink(tools: ToolServer) -> None:
    reports: list[tuple[float, float | None, str | None]] = []

    async def sink(progress: float, total: float | None = None, message: str | None = None) -> None:
        reports.append((progress, total, message))

    await tools.call_tool(PROBE, {"text": "x", "steps": 2}, sink)
    assert reports == [(1, 2, "step 1"), (2, 2, "step 2")]


async def test_a_crash_is_logged_and_answered_without_its_details(
    tools: ToolServer, caplog: pytest.LogCaptureFixture
) -> None:
    result = await tools.call_tool(PROBE, {"text": "x", "outcome": "crash"})
    assert result["isError"] is True and "secret" not in result["content"][0]["text"]
    assert "secret internal detail" in caplog.text


def test_the_server_is_built_for_the_installed_mcp_major(tools: ToolServer) -> None:
    from mcp_server import _compat

    server = build_server(tools.settings)
    assert server.name == "gemini-audio-tools"
    assert _compat.MCP_MAJOR in (1, 2)
