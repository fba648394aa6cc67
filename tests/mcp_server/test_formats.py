"""The containers people have (M4A, Ogg Opus, WebM, MP4 video, 3GP), several audio tracks, broken files and
URLs, through the real MCP server and the official client over stdio (checks in tests/_formats.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gemini_audio_tools.emulator.server import EmulatorServer
from tests import _formats as formats
from tests.fixtures.audio import FIXTURE_DIR, SpeechAudio
from tests.fixtures.web import WebServer
from tests.mcp_server._client import server_env, stdio_session, wire

pytest.importorskip("faster_whisper")


def _text(result: dict[str, Any]) -> str:
    return "\n".join(c.get("text", "") for c in result["content"])


async def test_every_container_has_its_exact_duration_and_is_transcribed_by_range(
    emulator: EmulatorServer,
    container_files: dict[str, Path],
    silent_mp4: Path,
    truncated_m4as: dict[str, Path],
    tmp_path: Path,
) -> None:
    video = formats.three_track_video()
    env = server_env(emulator.base_url, tmp_path / "cache", GEMINI_AUDIO_ALLOWED_DIRS=str(FIXTURE_DIR))
    async with stdio_session(env) as session:

        async def call(tool: str, **arguments: Any) -> dict[str, Any]:
            result = wire(await session.call_tool(tool, arguments))
            assert not result["isError"] and result.get("structuredContent"), (tool, arguments, _text(result))
            return dict(result["structuredContent"])

        async def refused(tool: str, **arguments: Any) -> str:
            result = wire(await session.call_tool(tool, arguments))
            assert result["isError"], (tool, arguments, result.get("structuredContent"))
            return _text(result)

        for name in formats.CONTAINERS:
            path = str(container_files[name])
            formats.check_inspected(name, await call("inspect_audio", audio=path))
            ranged = await call("transcribe_audio", audio=path, start=formats.START, end=formats.END)
            formats.check_ranged(name, ranged)
        formats.check_track(await call("inspect_audio", audio=str(video)), 1)
        formats.check_track(await call("inspect_audio", audio=str(video), track=2), 2)
        formats.check_track_note(await call("transcribe_audio", audio=str(video), end="1"), 1)
        formats.check_track_note(await call("transcribe_audio", audio=str(video), track=0, end="1"), 0)
        assert "track 5" in await refused("inspect_audio", audio=str(video), track=5)
        assert "no audio track" in await refused("transcribe_audio", audio=str(silent_mp4))
        for cut in truncated_m4as.values():
            message = await refused("transcribe_audio", audio=str(cut), start="0", end="1")
            assert f"'{cut.name}'" in message and "truncated" in message, message


async def test_a_url_is_transcribed_with_and_without_a_range(
    emulator: EmulatorServer, web: WebServer, speech_wav: SpeechAudio, tmp_path: Path
) -> None:
    url = web.add("/memo.m4a", formats.speech_m4a(speech_wav).read_bytes(), "audio/mp4")
    env = server_env(
        emulator.base_url, tmp_path / "cache", GEMINI_AUDIO_ALLOWED_HOSTS=f"127.0.0.1:{web.port}"
    )
    async with stdio_session(env) as session:
        whole = wire(await session.call_tool("transcribe_audio", {"audio": url}))
        part = wire(await session.call_tool("transcribe_audio", {"audio": url, "start": "4", "end": "8"}))
    assert whole.get("structuredContent") and part.get("structuredContent"), (_text(whole), _text(part))
    formats.check_speech(dict(whole["structuredContent"]))
    formats.check_speech(dict(part["structuredContent"]), 4.0, 8.0)
