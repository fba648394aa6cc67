"""The examples run as a new user would run them: offline, no key, from a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(script: str, tmp_path: Path, *args: str, status: int = 0) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    env.pop("GOOGLE_GEMINI_BASE_URL", None)
    env["GEMINI_AUDIO_CACHE_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == status, result.stderr[-2000:]
    return result.stdout


@pytest.mark.slow
def test_the_langchain_agent_example_runs_the_tool_loop_offline(tmp_path: Path) -> None:
    out = _run("langchain_agent.py", tmp_path)
    assert "-> inspect_audio(" in out and "-> transcribe_audio(" in out
    assert "bring the report to the meeting" in out


@pytest.mark.slow
def test_the_langchain_agent_example_shows_a_tool_failure_as_a_failure(tmp_path: Path) -> None:
    out = _run("langchain_agent.py", tmp_path, str(tmp_path / "missing.m4a"), status=1)
    assert "<- ERROR: " in out and "missing.m4a" in out
    assert "The recording says" not in out and "I could not listen to the recording" in out


@pytest.mark.slow
def test_the_mcp_client_example_lists_and_calls_the_tools_offline(tmp_path: Path) -> None:
    out = _run("mcp_client.py", tmp_path)
    assert out.startswith("tools: inspect_audio, upload_audio")
    assert "Yes: at 00:07" in out
    assert "ERROR: end 99:00 is past the end of the audio" in out


def test_the_claude_desktop_config_is_valid_json_for_the_entry_point() -> None:
    config = json.loads((EXAMPLES / "claude_desktop_config.json").read_text())
    for server in config["mcpServers"].values():
        assert server["command"] == "gemini-audio-mcp"
