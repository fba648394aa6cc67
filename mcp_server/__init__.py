"""MCP server exposing every gemini-audio-tools operation as a tool (``gemini-audio-mcp``)."""

from __future__ import annotations

from .server import ToolServer, build_server, tool_definition

__all__ = ["ToolServer", "build_server", "tool_definition"]
