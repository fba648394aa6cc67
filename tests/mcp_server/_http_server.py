"""A real ``gemini-audio-mcp --transport streamable-http`` subprocess for the HTTP security tests.

It runs with the test probe registered (``probe_echo``); a call with ``outcome="noisy"`` writes a marker to
the server's stdout, so counting markers counts the tool runs that really happened, independently of the
server's own access log.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.mcp_server._client import REPO, free_port, server_command, server_env, wait_for_port

RUN_MARKER = "stray print from a library"
NOISY_CALL = {"name": "probe_echo", "arguments": {"text": "x", "outcome": "noisy"}}


@dataclass
class HttpServer:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    access: Path

    def tool_runs(self) -> int:
        """Probe calls that really ran (markers on the server's stdout)."""
        return self.stdout.read_text().count(RUN_MARKER)

    def access_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.access.read_text().splitlines() if line.strip()]

    def alive(self) -> bool:
        return self.process.poll() is None


@contextmanager
def http_server(
    tmp_path: Path, *args: str, host: str = "127.0.0.1", port: int | None = None, **env: str
) -> Iterator[HttpServer]:
    port = port or free_port()
    access = tmp_path / "access.log"
    stdout, stderr = tmp_path / "server.out", tmp_path / "server.err"
    command = server_command(
        "--transport", "streamable-http", "--host", host, "--port", str(port), "--access-log", str(access),
        *args, probe=True,
    )  # fmt: skip
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, *command], cwd=REPO, env=server_env(None, tmp_path / "cache", **env), stdout=out,
            stderr=err,
        )  # fmt: skip
        try:
            wait_for_port(port)
            yield HttpServer(f"http://127.0.0.1:{port}/mcp", port, process, stdout, stderr, access)
        finally:
            process.terminate()
            process.wait(timeout=15)


def rpc(method: str, params: dict[str, Any] | None = None, request_id: int | None = 1) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    if request_id is not None:
        message["id"] = request_id
    return message


INITIALIZE = rpc(
    "initialize",
    {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
)
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
