"""Every agent pays for the tool list on every turn: descriptions and input schemas stay small."""

from __future__ import annotations

import json

from gemini_audio_tools import Settings
from gemini_audio_tools.kit import compact_schema
from mcp_server.tools import ToolServer
from tests._contract import TOOL_NAMES

TOKENS_PER_TOOL = 400
CHARS_PER_TOKEN = 4
"""A tokenizer-free estimate: JSON of English prose and keys runs about 4 characters a token."""


def test_descriptions_and_input_schemas_average_under_400_tokens_a_tool() -> None:
    tools = ToolServer(Settings()).list_tools()
    assert [t["name"] for t in tools] == TOOL_NAMES  # the 11 tools of the contract, batch tools included
    chars = sum(len(json.dumps({"d": t["description"], "s": t["inputSchema"]})) for t in tools)
    assert chars / CHARS_PER_TOKEN / len(tools) < TOKENS_PER_TOOL


def test_listed_schemas_drop_titles_the_repeated_description_and_null_options() -> None:
    schema = {
        "title": "X",
        "description": "The tool's description again.",
        "type": "object",
        "properties": {
            "start": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Start"},
            "title": {"type": "string", "description": "A field named title stays."},
        },
    }
    assert compact_schema(schema) == {
        "type": "object",
        "properties": {
            "start": {"type": "string"},
            "title": {"type": "string", "description": "A field named title stays."},
        },
    }
