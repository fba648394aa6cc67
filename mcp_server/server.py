"""The MCP server: the registry's tools and transcript resources (:mod:`.tools`) on the installed mcp SDK.

``build_server`` is what ``gemini-audio-mcp`` runs; the SDK's major version is handled in :mod:`._compat`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gemini_audio_tools import Settings, __version__

from . import _compat
from .tools import ResourceNotFound, ToolServer, error_result, tool_definition

__all__ = [
    "INSTRUCTIONS",
    "SERVER_NAME",
    "ResourceNotFound",
    "ToolServer",
    "build_server",
    "error_result",
    "tool_definition",
]

SERVER_NAME = "gemini-audio-tools"
INSTRUCTIONS = (
    "Tools for understanding audio with Gemini: inspect a local file first (free), then transcribe, describe "
    "or ask about it, whole or a time range ('MM:SS'). Upload a file once to reuse it across calls."
)


def build_server(settings: Settings, guard: Callable[[ToolServer], Any] | None = None) -> Any:
    """An mcp SDK low-level server (1.x or 2.x) serving every registered operation with ``settings``;
    ``guard`` wraps the tools (read-only, time limit, access log: see ``tool_guard``)."""
    tools = ToolServer(settings)
    return _compat.make_server(SERVER_NAME, __version__, INSTRUCTIONS, guard(tools) if guard else tools)
