"""Start-up stays light: an MCP client starts every configured server when it opens, so listing the tools must
not load what only running them needs (google-genai, NumPy, PyAV) nor LangChain. Timing is
``bench.mcp_startup``'s; this checks what is loaded, which does not depend on the machine."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.mcp_server._client import REPO

LISTING = """
import json, sys
import mcp_server.__main__
from gemini_audio_tools import Settings
from mcp_server.server import build_server
from mcp_server.tools import ToolServer
build_server(Settings())
ToolServer(Settings()).list_tools()
heavy = ('google', 'numpy', 'av', 'langchain_core')
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))
"""


def test_listing_the_tools_loads_no_sdk_numpy_pyav_or_langchain() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LISTING], cwd=REPO, capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == []
