"""The MCP server over stdio, driven by the official MCP client in a real subprocess.

Runs under mcp 1.x (/work/venv) and 2.x (/work/venv-mcp2) alike.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.operations import OPERATIONS
from tests._contract import TOOL_NAMES
from tests._examples import example_for
from tests._probe_operation import PROBE
from tests.mcp_server._client import REPO, server_command, server_env, stdio_session, wire


async def test_the_client_sees_exactly_the_registered_tools_with_annotations_and_output_schemas(
    tmp_path: Path,
) -> None:
    async with stdio_session(server_env(None, tmp_path)) as session:
        tools = wire(await session.list_tools())["tools"]
    assert [t["name"] for t in tools] == list(OPERATIONS)
    for tool in tools:
        op = OPERATIONS[tool["name"]]
        assert tool["description"] == op.description
        assert tool["inputSchema"] == op.input_schema
        assert tool["outputSchema"] == op.output_schema
        assert tool["annotations"] == {
            "title": tool["title"],
            "readOnlyHint": op.hints.read_only,
            "destructiveHint": op.hints.destructive,
            "idempotentHint": op.hints.idempotent,
            "openWorldHint": op.hints.open_world,
        }


async def test_every_tool_runs_against_the_emulator(emulator: EmulatorServer, tmp_path: Path) -> None:
    results: dict[str, dict[str, Any]] = {}
    async with stdio_session(server_env(emulator.base_url, tmp_path)) as session:
        for name in OPERATIONS:
            results[name] = wire(await session.call_tool(name, example_for(name)))
    for name, result in results.items():
        assert result["isError"] is False, (name, result["content"])
        output = OPERATIONS[name].output_model.model_validate(result["structuredContent"])
        assert result["content"] == [{"type": "text", "text": output.to_text()}]


async def test_library_errors_are_tool_errors_with_the_librarys_message_and_the_server_keeps_serving(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "elsewhere.wav"
    outside.write_bytes(b"RIFF")
    async with stdio_session(server_env(None, tmp_path), probe=True) as session:
        bad_range = wire(await session.call_tool(PROBE, {"text": "x", "outcome": "caller"}))
        bad_args = wire(await session.call_tool(PROBE, {"text": 42, "colour": "red"}))
        unknown = wire(await session.call_tool("no_such_tool", {}))
        after = wire(await session.call_tool(PROBE, {"text": "still here"}))
        if "inspect_audio" in OPERATIONS:
            refused = wire(await session.call_tool("inspect_audio", {"audio": str(outside)}))
            assert refused["isError"] is True
            assert "allowed" in refused["content"][0]["text"].lower()
    assert bad_range["isError"] is True
    assert (
        bad_range["content"][0]["text"]
        == "end 12:30 is past the audio's end 10:28; pass an end of at most 10:28."
    )
    assert bad_args["isError"] is True
    assert bad_args["content"][0]["text"].startswith("Invalid arguments for probe_echo: text:")
    assert "colour" in bad_args["content"][0]["text"]
    assert unknown["isError"] is True and "no_such_tool" in unknown["content"][0]["text"]
    assert after["isError"] is False and after["structuredContent"] == {"echoed": "still here", "steps": 0}


async def test_a_crash_is_a_tool_error_that_does_not_leak_internals(tmp_path: Path) -> None:
    async with stdio_session(server_env(None, tmp_path), probe=True) as session:
        crash = wire(await session.call_tool(PROBE, {"text": "x", "outcome": "crash"}))
    assert crash["isError"] is True
    text = crash["content"][0]["text"]
    assert "probe_echo failed with an internal error" in text and "secret" not in text


async def test_progress_notifications_reach_a_client_that_asked_for_them(tmp_path: Path) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with stdio_session(server_env(None, tmp_path), probe=True) as session:
        result = wire(
            await session.call_tool(PROBE, {"text": "x", "steps": 3}, progress_callback=on_progress)
        )
        silent = wire(await session.call_tool(PROBE, {"text": "y", "steps": 2}))
    assert result["isError"] is False and silent["isError"] is False
    assert seen == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]


async def test_progress_events_reach_a_client_as_increasing_progress_of_100_with_words(
    tmp_path: Path,
) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with stdio_session(server_env(None, tmp_path), probe=True) as session:
        arguments = {"text": "x", "steps": 2, "events": True}
        await session.call_tool(PROBE, arguments, progress_callback=on_progress)
    assert all(total == 100 for _, total, _ in seen)
    values = [progress for progress, _, _ in seen]
    assert values[-1] == 100 and all(a < b for a, b in itertools.pairwise(values))
    assert seen[1][2] == "uploading probe.wav: 1.0 MB of 2.0 MB (50%)"
    assert seen[-1][2] == "working on probe.wav: 2 of 2 chunks (100%)"


async def test_the_embedded_emulator_needs_no_api_key(tmp_path: Path) -> None:
    env = server_env(None, tmp_path)
    async with stdio_session(env, "--emulator", "--model", "gemini-2.5-flash-lite") as session:
        names = [t.name for t in (await session.list_tools()).tools]
        calls = {
            name: wire(await session.call_tool(name, example_for(name)))
            for name in ("count_audio_tokens", "upload_audio")
            if name in names
        }
    for name, result in calls.items():
        assert result["isError"] is False, (name, result["content"])
    if "count_audio_tokens" in calls:
        assert calls["count_audio_tokens"]["structuredContent"]["model"] == "gemini-2.5-flash-lite"


def test_stray_output_on_stdout_does_not_corrupt_the_protocol(tmp_path: Path) -> None:
    # Raw JSON-RPC over the pipes: the official clients tolerate junk lines, so read stdout ourselves.
    requests = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": PROBE, "arguments": {"text": "x", "outcome": "noisy"}},
        },
    ]
    command = [sys.executable, *server_command(probe=True)]
    with subprocess.Popen(
        command,
        cwd=REPO,
        env=server_env(None, tmp_path),
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("".join(json.dumps(r) + "\n" for r in requests))
        proc.stdin.flush()
        lines: list[str] = []
        while not lines or '"id":2' not in lines[-1].replace(" ", ""):
            line = proc.stdout.readline()
            assert line, "the server closed stdout early"
            lines.append(line)
        proc.stdin.close()
        stderr = proc.stderr.read() if proc.stderr else ""
    messages = [json.loads(line) for line in lines]  # every line on the wire is JSON-RPC
    assert messages[-1]["result"]["structuredContent"] == {"echoed": "x", "steps": 0}
    assert "stray bytes written to fd 1" in stderr


async def test_exactly_the_tools_of_the_contract_are_served(tmp_path: Path) -> None:
    async with stdio_session(server_env(None, tmp_path)) as session:
        names = [t.name for t in (await session.list_tools()).tools]
    assert names == TOOL_NAMES
