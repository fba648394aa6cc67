"""Long audio through a real MCP client: per-chunk progress notifications, a paged transcript, and the
complete transcript as a resource (resources/list and resources/read), against the real server entry point
(stdio subprocess) and the test emulator."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from pydantic import AnyUrl

from gemini_audio_tools.emulator.server import EmulatorServer
from mcp_server._compat import MCP_MAJOR
from tests.fixtures.audio import SpeechAudio
from tests.mcp_server._client import REPO, server_env, wire

# The real entry point with small limits, so 37 s of speech is split into chunks and paged.
LAUNCHER = (
    "import sys; from gemini_audio_tools._ops import transcribe as t, _limits as l; "
    "t.LIMITS = l.Limits(transcript_chunk_seconds=15.0, overlap_seconds=2.0, page_chars=500); "
    "from mcp_server.__main__ import main; main(sys.argv[1:])"
)


# The real entry point with one transcript already kept (what a paged call leaves behind).
KEPT_LAUNCHER = (
    "import sys; from gemini_audio_tools.transcript_store import TRANSCRIPTS; "
    "from gemini_audio_tools.schemas import TranscribeAudioOutput as T; "
    "TRANSCRIPTS.put('k', T.model_validate({'text': 'WEBVTT\\n\\n00:00:00.000 --> 00:00:01.000\\nhello\\n', "
    "'segments': [{'start': 0, 'end': 1, 'text': 'hello'}], "
    "'range': {'start_seconds': 0, 'end_seconds': 1, 'method': 'whole'}, 'model': 'm'}), 'vtt'); "
    "from mcp_server.__main__ import main; main(sys.argv[1:])"
)


@asynccontextmanager
async def session_for(
    base_url: str | None, audio_dir: Path, cache: Path, launcher: str = LAUNCHER
) -> AsyncIterator[ClientSession]:
    env = server_env(base_url, cache, GEMINI_AUDIO_ALLOWED_DIRS=str(audio_dir))
    params = StdioServerParameters(command=sys.executable, args=["-c", launcher], env=env, cwd=str(REPO))
    with open(os.devnull, "w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            yield session


async def test_kept_transcripts_are_listed_and_read_as_resources_and_unknown_ones_are_refused(
    tmp_path: Path,
) -> None:
    async with session_for(None, tmp_path, tmp_path, KEPT_LAUNCHER) as session:
        resources = wire(await session.list_resources())["resources"]
        templates = wire(await session.list_resource_templates())["resourceTemplates"]
        read = wire(await session.read_resource(_url(resources[0]["uri"])))["contents"]
        with pytest.raises(Exception, match="keeps only recent transcripts"):
            await session.read_resource(_url("gemini-audio://transcripts/0000000000000000"))
    assert len(resources) == 1 and resources[0]["uri"].startswith("gemini-audio://transcripts/")
    assert resources[0]["mimeType"] == "text/vtt"
    assert [t["uriTemplate"] for t in templates] == ["gemini-audio://transcripts/{id}"]
    assert len(read) == 1 and read[0]["text"].startswith("WEBVTT") and "hello" in read[0]["text"]


def _url(uri: str) -> Any:
    """The URI as ``read_resource`` is typed in the installed major (AnyUrl in 1.x, str in 2.x)."""
    return AnyUrl(uri) if MCP_MAJOR < 2 else uri


async def test_a_client_gets_chunk_progress_a_paged_transcript_and_the_whole_as_a_resource(
    long_speech_wav: SpeechAudio, emulator: EmulatorServer, tmp_path: Path
) -> None:
    pytest.importorskip(
        "faster_whisper", reason="the emulator's recognizer (emulator extra) is not installed"
    )
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    audio = str(long_speech_wav.path)
    async with session_for(emulator.base_url, long_speech_wav.path.parent, tmp_path) as session:
        first = wire(
            await session.call_tool(
                "transcribe_audio", {"audio": audio, "timestamps": True}, progress_callback=on_progress
            )
        )
        page = first["structuredContent"]
        uri = page["transcript_uri"]
        listed = [str(r.uri) for r in (await session.list_resources()).resources]
        whole = wire(await session.read_resource(_url(uri)))["contents"][0]
        rest = wire(
            await session.call_tool(
                "transcribe_audio", {"audio": audio, "timestamps": True, "cursor": page["next_cursor"]}
            )
        )
        with pytest.raises(Exception, match="keeps only recent transcripts"):
            await session.read_resource(_url("gemini-audio://transcripts/0000000000000000"))

    chunks = page["chunks"]
    assert first["isError"] is False and len(chunks) >= 3
    # a notification at the start (0 of n chunks) and one per finished chunk: rising to 100 of 100
    n = len(chunks)
    assert [(p, t) for p, t, _ in seen] == [(round(50 + 50 * i / n, 2), 100.0) for i in range(n + 1)]
    assert all(m and f"{i} of {n} chunks" in m for i, (_, _, m) in enumerate(seen))
    assert all(m and "transcribing chunk" in m and m.endswith(": ok") for _, _, m in seen[1:])
    assert page["next_cursor"] and uri.startswith("gemini-audio://transcripts/") and uri in listed
    assert f"cursor='{page['next_cursor']}'" in first["content"][0]["text"]
    text = whole["text"]
    assert whole["mimeType"] == "text/plain" and len(text) > len(first["content"][0]["text"])
    assert "welcome" in text and "listening" in text and "welcome" in first["content"][0]["text"]
    assert rest["isError"] is False
    second = rest["structuredContent"]["segments"]
    assert second and second[0]["start"] >= page["segments"][-1]["end"]
    assert second[0]["text"] in text
