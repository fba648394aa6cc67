"""The MCP server over streamable HTTP, driven by the official client against a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import ClientSession

from gemini_audio_tools.operations import OPERATIONS
from tests._probe_operation import PROBE
from tests.mcp_server._client import (
    REPO,
    free_port,
    server_command,
    server_env,
    streamable_http_client,
    wait_for_port,
    wire,
)


@pytest.fixture
def server_log(tmp_path: Path) -> Path:
    return tmp_path / "server.log"


@pytest.fixture
def http_server(tmp_path: Path, server_log: Path) -> Iterator[str]:
    port = free_port()
    args = server_command(
        "--transport", "streamable-http", "--host", "127.0.0.1", "--port", str(port), probe=True
    )
    log = server_log.open("w")
    process = subprocess.Popen([sys.executable, *args], cwd=REPO, env=server_env(None, tmp_path), stderr=log)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


async def test_tools_calls_errors_and_progress_work_over_streamable_http(
    http_server: str, server_log: Path
) -> None:
    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    async with (
        streamable_http_client(http_server) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()
        names = [t["name"] for t in wire(await session.list_tools())["tools"]]
        ok = wire(
            await session.call_tool(PROBE, {"text": "over http", "steps": 2}, progress_callback=on_progress)
        )
        failed = wire(await session.call_tool(PROBE, {"text": "x", "outcome": "remote"}))
    assert names == [*OPERATIONS, PROBE]
    assert ok["isError"] is False and ok["structuredContent"] == {"echoed": "over http", "steps": 2}
    assert ok["content"] == [{"type": "text", "text": "echo: over http"}]
    assert seen == [1, 2]
    assert failed["isError"] is True and "unavailable" in failed["content"][0]["text"]
    assert "Traceback" not in server_log.read_text()  # ending a session is not an error
