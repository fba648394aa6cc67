"""The MCP server's tools and resources, built from the registry, as MCP wire-format dicts.

Nothing here depends on the mcp SDK's major version: tools and results are plain JSON dicts in the protocol's
own (camelCase) shape, which both majors' pydantic types accept; ``_compat`` wires them into a server. No
business logic: a call is the registry kit's ``Operation.invoke`` (validate, run), returned as
``structuredContent`` plus the result's text. Library errors become tool errors (``isError``) carrying the
library's message, so the model can correct its call; anything else becomes a tool error naming the tool
(details go to the server's log), and the server keeps serving.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from gemini_audio_tools import OPERATIONS, GeminiAudioError, Operation, Settings
from gemini_audio_tools.context import ProgressSink, RunContext, no_progress
from gemini_audio_tools.transcript_store import TRANSCRIPTS, URI_PREFIX, StoredTranscript
from gemini_audio_tools.transcripts import clock

__all__ = [
    "ResourceNotFound",
    "ToolServer",
    "error_result",
    "list_resources",
    "read_resource",
    "resource_templates",
    "tool_definition",
]

log = logging.getLogger(__name__)


def tool_definition(op: Operation[Any, Any]) -> dict[str, Any]:
    """The MCP ``Tool`` for ``op``: input/output JSON schemas of its models and annotations from its hints."""
    title = op.title or op.name.replace("_", " ").capitalize()
    return {
        "name": op.name,
        "title": title,
        "description": op.description,
        "inputSchema": op.input_schema,
        "outputSchema": op.output_schema,
        "annotations": {
            "title": title,
            "readOnlyHint": op.hints.read_only,
            "destructiveHint": op.hints.destructive,
            "idempotentHint": op.hints.idempotent,
            "openWorldHint": op.hints.open_world,
        },
    }


def error_result(message: str) -> dict[str, Any]:
    """A tool error: the call completed, and ``message`` tells the model what went wrong."""
    return {"content": [{"type": "text", "text": message}], "isError": True}


@dataclass
class ToolServer:
    """The registry served over MCP with fixed ``settings`` (allowed dirs, model, API endpoint)."""

    settings: Settings

    def list_tools(self) -> list[dict[str, Any]]:
        return [tool_definition(op) for op in OPERATIONS.values()]

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None, progress: ProgressSink = no_progress
    ) -> dict[str, Any]:
        """Run tool ``name``; always returns a ``CallToolResult`` dict, never raises for a failed call."""
        op = OPERATIONS.get(name)
        if op is None:
            return error_result(f"Unknown tool {name!r}; available tools: {', '.join(OPERATIONS)}.")
        try:
            result = await op.invoke(arguments or {}, RunContext(settings=self.settings, progress=progress))
        except GeminiAudioError as err:
            return error_result(str(err))
        except Exception:
            log.exception("Tool %s failed unexpectedly", name)
            return error_result(
                f"{name} failed with an internal error (details are in the server's log). The arguments "
                "may be fine; try again, or try a different tool."
            )
        return {
            "content": [{"type": "text", "text": result.text}],
            "structuredContent": result.structured,
            "isError": False,
        }


_MIME_TYPES = {
    "text": "text/plain",
    "json": "application/json",
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
}


class ResourceNotFound(LookupError):
    """resources/read of a URI the server does not (or no longer) keep; the message says what to do."""


def _resource(entry: StoredTranscript) -> dict[str, Any]:
    out = entry.output
    return {
        "uri": entry.uri,
        "name": f"transcript-{entry.id}",
        "title": f"Transcript of {clock(out.range.start_seconds)}–{clock(out.range.end_seconds)} "
        f"({len(out.segments)} segments)",
        "description": "A complete transcript whose transcribe_audio result was paged.",
        "mimeType": _MIME_TYPES.get(entry.format, "text/plain"),
        "size": len(out.text.encode()),
    }


def list_resources() -> list[dict[str, Any]]:
    """Complete transcripts kept for paged results (newest first), as MCP ``Resource`` dicts."""
    return [_resource(entry) for entry in TRANSCRIPTS.entries()]


def resource_templates() -> list[dict[str, Any]]:
    return [
        {
            "uriTemplate": URI_PREFIX + "{id}",
            "name": "transcript",
            "description": "The complete transcript behind a paged transcribe_audio result "
            "(its transcript_uri).",
        }
    ]


def read_resource(uri: str) -> dict[str, Any]:
    """A ``ReadResourceResult`` dict with the complete transcript, rendered as the call asked.

    Raises:
        ResourceNotFound: not a transcript URI, or no longer kept (the store keeps the most recent ones).
    """
    entry = TRANSCRIPTS.get(uri) if uri.startswith(URI_PREFIX) else None
    if entry is None:
        raise ResourceNotFound(
            f"No transcript at {uri}: the server keeps only recent transcripts, in memory. Call "
            "transcribe_audio again, and follow next_cursor page by page."
        )
    resource = _resource(entry)
    return {"contents": [{"uri": uri, "mimeType": resource["mimeType"], "text": entry.output.text}]}
