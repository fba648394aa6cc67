"""Test seams for URL input in a server or CLI process: a fake DNS entry for public-looking names, and
download time limits short enough for a test.

Only the system's name lookup (``socket.getaddrinfo``) is replaced, and only for the names in
:data:`FAKE_DNS`: the library's own resolver, address checks and connection code run unchanged, exactly as
when a real DNS server answers with a private address. ``QUICK`` replaces the download's default time limits
(30 s without a byte; 4 KB/s once 30 s have passed) so that a slowloris server is cut off in about a second.
"""

from __future__ import annotations

import socket
from typing import Any

from gemini_audio_tools.urls import Timeouts, download

FAKE_DNS = {"podcast.example.com": "127.0.0.1", "cdn.example.net": "169.254.169.254"}
"""Public-looking names and the non-public addresses a hostile DNS gives for them."""
QUICK = Timeouts(connect=5.0, read=1.0, total=30.0, min_bytes_per_second=4096.0)

_REAL_GETADDRINFO = socket.getaddrinfo


def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    """``socket.getaddrinfo`` with :data:`FAKE_DNS` in front of the system's resolver."""
    name = host.decode() if isinstance(host, bytes) else host
    return _REAL_GETADDRINFO(FAKE_DNS.get(name, host), port, *args, **kwargs)


def download_defaults() -> dict[str, Any]:
    """The keyword defaults of :func:`gemini_audio_tools.urls.download` (mutable: the seam for ``QUICK``)."""
    defaults: dict[str, Any] = download.__wrapped__.__kwdefaults__  # type: ignore[attr-defined]
    return defaults


def install() -> None:
    """Apply both seams to this process (a server or CLI subprocess started by a test)."""
    socket.getaddrinfo = fake_getaddrinfo
    download_defaults()["timeouts"] = QUICK


MCP_LAUNCHER = (
    "import sys; from tests.reliability._url_seams import install; install(); "
    "from mcp_server.__main__ import main; main(sys.argv[1:])"
)
CLI_LAUNCHER = (
    "import sys; from tests.reliability._url_seams import install; install(); "
    "from gemini_audio_tools.cli import main; main(sys.argv[1:])"
)
