"""The ``gemini-audio-mcp`` entry point: start-up without LangChain, flags, clear refusal of bad flags."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.mcp_server._client import REPO, server_command, server_env, wire


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


async def test_without_a_key_the_server_warns_at_start_and_its_tools_say_what_to_do(tmp_path: Path) -> None:
    env = server_env(None, tmp_path)
    env.pop("GOOGLE_GEMINI_BASE_URL", None)
    errlog_path = tmp_path / "stderr.txt"
    params = StdioServerParameters(command=sys.executable, args=server_command(), env=env, cwd=str(REPO))
    with errlog_path.open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            result = wire(await session.call_tool("list_audio_files", {}))
    stderr = errlog_path.read_text()
    assert "warning" in stderr and "--emulator" in stderr and "GEMINI_API_KEY" in stderr
    assert result["isError"] is True
    assert "--emulator" in result["content"][0]["text"]
