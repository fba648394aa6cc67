"""The tool guard: --read-only follows the annotations, calls are stopped at the time limit, and each call
writes one access-log line without arguments."""

from __future__ import annotations

import io
import json
from typing import Any

import anyio

from gemini_audio_tools.config import Settings
from gemini_audio_tools.context import ProgressSink, no_progress
from gemini_audio_tools.operations import OPERATIONS
from mcp_server.access_log import CALLER, AccessLog
from mcp_server.server import ToolServer
from mcp_server.tool_guard import ToolGuard


class SlowTools:
    """A tool provider whose one tool takes ``seconds`` (anyio sleep, cancellable like real I/O)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.finished = 0

    def list_tools(self) -> list[dict[str, Any]]:
        return [{"name": "slow", "annotations": {"readOnlyHint": True}}]

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None, progress: ProgressSink = no_progress
    ) -> dict[str, Any]:
        await anyio.sleep(self.seconds)
        self.finished += 1
        return {"content": [{"type": "text", "text": "done"}], "isError": False}


def test_read_only_lists_exactly_the_tools_annotated_read_only() -> None:
    guard = ToolGuard(ToolServer(Settings()), read_only=True)
    names = {tool["name"] for tool in guard.list_tools()}
    expected = {name for name, op in OPERATIONS.items() if op.hints.read_only}
    assert names == expected
    assert "delete_audio_file" not in names and "upload_audio" not in names and "inspect_audio" in names


async def test_a_hidden_tool_is_refused_clearly_and_never_runs() -> None:
    guard = ToolGuard(ToolServer(Settings()), read_only=True)
    result = await guard.call_tool("delete_audio_file", {"name": "files/abc"})
    assert result["isError"] is True
    assert (
        "--read-only" in result["content"][0]["text"] and "delete_audio_file" in result["content"][0]["text"]
    )


async def test_without_read_only_every_tool_is_listed() -> None:
    assert len(ToolGuard(ToolServer(Settings())).list_tools()) == len(OPERATIONS)


async def test_a_call_past_the_time_limit_is_stopped_with_a_tool_error_naming_the_limit() -> None:
    tools = SlowTools(seconds=30)
    result = await ToolGuard(tools, timeout=0.05).call_tool("slow", {})
    text = result["content"][0]["text"]
    assert result["isError"] is True and tools.finished == 0
    assert "0.05 s" in text and "--tool-timeout" in text and "shorter range" in text


async def test_a_call_within_the_time_limit_returns_its_result() -> None:
    result = await ToolGuard(SlowTools(seconds=0), timeout=5).call_tool("slow", {})
    assert result["isError"] is False


async def test_each_call_writes_one_json_access_line_with_caller_tool_duration_and_outcome() -> None:
    stream = io.StringIO()
    log = AccessLog.to_stream(stream)
    guard = ToolGuard(SlowTools(seconds=0), read_only=False, timeout=0.05, access_log=log)
    token = CALLER.set("alice")
    try:
        await guard.call_tool("slow", {"audio": "https://x/a.mp3?X-Goog-Signature=s3cr3t"})
        await ToolGuard(SlowTools(seconds=30), timeout=0.01, access_log=log).call_tool("slow", {})
    finally:
        CALLER.reset(token)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["event"], x["caller"], x["tool"], x["outcome"]) for x in lines] == [
        ("tool_call", "alice", "slow", "ok"),
        ("tool_call", "alice", "slow", "timeout"),
    ]
    assert all(x["duration_ms"] >= 0 and x["time"].endswith("+00:00") for x in lines)
    assert "s3cr3t" not in stream.getvalue() and "audio" not in stream.getvalue()
