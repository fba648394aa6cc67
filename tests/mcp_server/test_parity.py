"""Parity: the MCP server and the LangChain toolkit expose the same tools with the same input schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_audio_tools.kit import compact_schema
from tests.mcp_server._client import server_env, stdio_session, wire


async def test_mcp_and_langchain_expose_the_same_names_and_input_schemas(tmp_path: Path) -> None:
    langchain = pytest.importorskip("gemini_audio_tools.langchain")
    tools = langchain.GeminiAudioToolkit().get_tools()
    async with stdio_session(server_env(None, tmp_path)) as session:
        listed = wire(await session.list_tools())["tools"]
    assert [t["name"] for t in listed] == [t.name for t in tools]
    for mcp_tool, lc_tool in zip(listed, tools, strict=True):
        assert mcp_tool["inputSchema"] == compact_schema(lc_tool.args_schema.model_json_schema())
        assert mcp_tool["description"] == lc_tool.description
