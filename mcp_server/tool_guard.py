"""A wrapper around the server's tools: ``--read-only``, a time limit per call, and the access log.

It has the same two methods as :class:`.server.ToolServer` (``list_tools`` / ``call_tool``), so the wiring
in ``_compat`` serves either, and the registry adapter stays free of deployment concerns.

Decisions (and why):

* ``--read-only`` follows the tools' own annotations (``readOnlyHint``): what is hidden from tools/list is
  exactly what an MCP client would treat as having side effects. A call to a hidden tool is a tool error that
  says why, not "unknown tool", so an agent does not keep guessing.
* A call that outlives ``--tool-timeout`` is cancelled and becomes a tool error naming the limit and what to
  do: a smaller range, or asking the operator. The operations clean up on cancellation as on any error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio

from gemini_audio_tools.context import ProgressSink, no_progress

from .access_log import AccessLog
from .tools import error_result

__all__ = ["ToolGuard", "ToolProvider"]


class ToolProvider(Protocol):
    """What ``_compat`` serves: tool definitions and calls as MCP wire-format dicts."""

    def list_tools(self) -> list[dict[str, Any]]: ...

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None, progress: ProgressSink = no_progress
    ) -> dict[str, Any]: ...


@dataclass
class ToolGuard:
    """``inner``'s tools, filtered and bounded."""

    inner: ToolProvider
    read_only: bool = False
    timeout: float | None = None
    access_log: AccessLog | None = None
    _hidden: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self._hidden = frozenset(
            tool["name"]
            for tool in self.inner.list_tools()
            if self.read_only and not tool.get("annotations", {}).get("readOnlyHint", False)
        )

    def list_tools(self) -> list[dict[str, Any]]:
        return [tool for tool in self.inner.list_tools() if tool["name"] not in self._hidden]

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None, progress: ProgressSink = no_progress
    ) -> dict[str, Any]:
        """Run ``name`` through ``inner`` unless it is hidden; always returns a ``CallToolResult`` dict."""
        started = time.perf_counter()
        if name in self._hidden:
            result = error_result(
                f"{name} is not available: this server runs with --read-only, which offers only tools that "
                "change nothing (no upload, no delete). Use one of the listed tools."
            )
            outcome = "refused"
        else:
            result, outcome = await self._bounded(name, arguments, progress)
        if self.access_log is not None:
            self.access_log.tool_call(name, started, outcome)
        return result

    async def _bounded(
        self, name: str, arguments: dict[str, Any] | None, progress: ProgressSink
    ) -> tuple[dict[str, Any], str]:
        if self.timeout is None:
            result = await self.inner.call_tool(name, arguments, progress)
            return result, "error" if result.get("isError") else "ok"
        with anyio.move_on_after(self.timeout) as scope:
            result = await self.inner.call_tool(name, arguments, progress)
            return result, "error" if result.get("isError") else "ok"
        assert scope.cancelled_caught
        return (
            error_result(
                f"{name} did not finish within this server's limit of {self.timeout:g} s per tool call and "
                "was stopped. Try a shorter range (start/end) or smaller pieces of work; the server's "
                "operator can raise the limit with --tool-timeout."
            ),
            "timeout",
        )
