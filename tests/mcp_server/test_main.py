"""The ``gemini-audio-mcp`` entry point: start-up without LangChain, flags, clear refusal of bad flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.mcp_server._client import REPO


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=60)


def test_starting_the_server_does_not_import_langchain() -> None:
    probe = (
        "import sys; from mcp_server.__main__ import parse_args; from mcp_server.server import build_server; "
        "from gemini_audio_tools.config import Settings; build_server(Settings()); "
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('langchain')))"
    )
    result = _python("-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_missing_allowed_directory_is_refused_with_exit_status_2(tmp_path: Path) -> None:
    result = _python("-m", "mcp_server", "--allow-dir", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "not an existing directory" in result.stderr and "Traceback" not in result.stderr


def test_help_lists_the_transports_and_flags() -> None:
    result = _python("-m", "mcp_server", "--help")
    assert result.returncode == 0
    for flag in ("--transport", "streamable-http", "--allow-dir", "--emulator", "--model", "--port"):
        assert flag in result.stdout
