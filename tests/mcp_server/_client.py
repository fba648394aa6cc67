"""Helpers to drive the real server with the official MCP client, in either mcp major.

Results are compared as wire-format dicts (``model_dump(by_alias=True)``): camelCase in both majors, whose
Python attribute names differ (``isError`` vs ``is_error``).
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from gemini_audio_tools.demo import SAMPLES_DIR

REPO = Path(__file__).resolve().parents[2]

# Runs the real entry point with the test-only probe operation registered next to the real ones.
PROBE_LAUNCHER = (
    "import sys; from gemini_audio_tools.operations import OPERATIONS; "
    "from tests._probe_operation import PROBE, PROBE_OPERATION; OPERATIONS[PROBE] = PROBE_OPERATION; "
    "from mcp_server.__main__ import main; main(sys.argv[1:])"
)


def wire(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(by_alias=True, mode="json", exclude_none=True)
    return dumped


def server_env(base_url: str | None, cache_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a server subprocess: the test emulator, the samples dir allowed, no real keys."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOOGLE_API_KEY", "GEMINI_API_KEY")}
    env.update(
        {
            "GEMINI_AUDIO_ALLOWED_DIRS": str(SAMPLES_DIR),
            "GEMINI_AUDIO_CACHE_DIR": str(cache_dir),
            "PYTHONPATH": str(REPO),
        }
    )
    if base_url:
        env.update({"GOOGLE_GEMINI_BASE_URL": base_url, "GEMINI_API_KEY": "test-key"})
    env.update(extra)
    return env


def server_command(*args: str, probe: bool = False) -> list[str]:
    if probe:
        return ["-c", PROBE_LAUNCHER, *args]
    return ["-m", "mcp_server", *args]


@asynccontextmanager
async def stdio_session(
    env: Mapping[str, str], *args: str, probe: bool = False
) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=sys.executable, args=server_command(*args, probe=probe), env=dict(env), cwd=str(REPO)
    )
    with open(os.devnull, "w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            yield session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    """Block until something accepts connections on ``port`` (the server subprocess finished starting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def streamable_http_client(url: str) -> Any:
    """The official streamable-HTTP client transport (same name in 1.30+ and 2.x)."""
    from mcp.client.streamable_http import streamable_http_client as client

    return client(url)


@asynccontextmanager
async def http_session(url: str, headers: Mapping[str, str] | None = None) -> AsyncIterator[ClientSession]:
    """An initialized official client session over streamable HTTP, sending ``headers`` on every request."""
    from mcp.shared._httpx_utils import create_mcp_http_client

    async with (
        create_mcp_http_client(headers=dict(headers or {})) as http,
        _streamable(url, http) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()
        yield session


def _streamable(url: str, http: Any) -> Any:
    from mcp.client.streamable_http import streamable_http_client as client

    return client(url, http_client=http)
