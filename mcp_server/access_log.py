"""The access log: one JSON line per tool call and per refused HTTP request, with no secrets in it.

A line holds the time, the caller's identity (a token's name or ``token:`` + 8 hex digits of its digest,
``oauth:<subject>``, or ``anonymous``), the tool or the HTTP status, the duration and the outcome. It never
holds tool arguments (paths and URLs, whose query strings may carry signed-URL credentials), tokens, the API
key, or error texts (the tool's result carries those to the caller; the server's log keeps tracebacks).

Lines go to the ``gemini_audio_mcp.access`` logger, which writes them bare to stderr (or to
``--access-log FILE``) and does not propagate, so they stay one JSON object per line.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from datetime import datetime, timezone
from typing import Any, TextIO

__all__ = ["ANONYMOUS", "CALLER", "CALLER_SCOPE_KEY", "LOGGER_NAME", "AccessLog", "caller_of"]

LOGGER_NAME = "gemini_audio_mcp.access"
ANONYMOUS = "anonymous"

CALLER: contextvars.ContextVar[str] = contextvars.ContextVar("gemini_audio_mcp_caller", default=ANONYMOUS)
"""The identity of the caller whose request is being served (set by the transport, read by the guard)."""

CALLER_SCOPE_KEY = "gemini_audio.caller"
"""ASGI scope key where the HTTP limits layer records the caller's identity for the tool layer."""


def caller_of(request: Any) -> str:
    """The identity recorded in ``request``'s ASGI scope (a Starlette request; None over stdio)."""
    scope = getattr(request, "scope", None)
    return str(scope.get(CALLER_SCOPE_KEY, ANONYMOUS)) if isinstance(scope, dict) else ANONYMOUS


class AccessLog:
    """Writes access lines to the ``gemini_audio_mcp.access`` logger (configured by :meth:`to_stream`)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(LOGGER_NAME)

    @classmethod
    def to_stream(cls, stream: TextIO | None = None, path: str | None = None) -> AccessLog:
        """An access log writing bare JSON lines to ``path`` (appended) or ``stream`` (default stderr)."""
        logger = logging.getLogger(LOGGER_NAME)
        for old in list(logger.handlers):
            logger.removeHandler(old)
            old.close()
        handler: logging.Handler
        if path:
            handler = logging.FileHandler(path, encoding="utf-8")
        else:
            handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        return cls(logger)

    def write(self, event: str, **fields: Any) -> None:
        line = {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "event": event}
        line.update(fields)
        self.logger.info(json.dumps(line, ensure_ascii=False, separators=(",", ":")))

    def tool_call(self, tool: str, started: float, outcome: str) -> None:
        """One finished tool call; ``started`` is a :func:`time.perf_counter` reading."""
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        self.write("tool_call", caller=CALLER.get(), tool=tool, duration_ms=duration_ms, outcome=outcome)

    def refused(self, status: int, reason: str, caller: str, client: str | None, method: str) -> None:
        """One HTTP request answered with an error before any tool ran."""
        self.write("http_refused", caller=caller, status=status, reason=reason, client=client, method=method)
