"""Round trip through langchain-mcp-adapters: MCP server -> LangChain tools -> invoke (mcp 1.x only)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gemini_audio_tools.demo import SAMPLE
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.operations import OPERATIONS
from tests.mcp_server._client import REPO, server_env


async def test_tools_served_over_mcp_work_as_langchain_tools(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    adapters = pytest.importorskip("langchain_mcp_adapters.client")
    client = adapters.MultiServerMCPClient(
        {
            "audio": {
                "command": sys.executable,
                "args": ["-m", "mcp_server"],
                "transport": "stdio",
                "env": server_env(emulator.base_url, tmp_path),
                "cwd": str(REPO),
            }
        }
    )
    tools = await client.get_tools()
    assert [t.name for t in tools] == list(OPERATIONS)
    if "inspect_audio" not in OPERATIONS:
        pytest.skip("inspect_audio is not registered yet")
    inspect = next(t for t in tools if t.name == "inspect_audio")
    message = await inspect.ainvoke(
        {"type": "tool_call", "id": "1", "name": "inspect_audio", "args": {"audio": str(SAMPLE)}}
    )
    assert message.status == "success", message.content
    text = message.content if isinstance(message.content, str) else message.content[0]["text"]
    assert "mp3" in text.lower()
    refused = await inspect.ainvoke(
        {"type": "tool_call", "id": "2", "name": "inspect_audio", "args": {"audio": str(tmp_path / "x.wav")}}
    )
    assert refused.status == "error"
