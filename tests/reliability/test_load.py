"""Load on the MCP server over streamable HTTP: concurrent calls are all answered correctly, and the server's
memory stays flat over hundreds of calls.

One real server subprocess (``gemini-audio-mcp --transport streamable-http --emulator``) and the official
MCP client. Memory is the server's resident set from ``/proc/PID/status`` (Linux), read after a warm-up (the
emulator's speech model loaded, caches and pools filled) and again at the end. The 500-call figure with more
detail is ``python -m bench.mcp_load``.
"""

from __future__ import annotations

import asyncio
import math
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession

from tests.fixtures.audio import MakeAudio, SpeechAudio
from tests.mcp_server._client import REPO, free_port, server_env, streamable_http_client, wait_for_port

RSS_GROWTH_LIMIT_KB = 30 * 1024


@dataclass
class HttpServer:
    url: str
    pid: int
    log: Path

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS in /proc status")


@pytest.fixture
def audio(tmp_path: Path, make_audio: MakeAudio, speech_wav: SpeechAudio) -> dict[str, Path]:
    folder = tmp_path / "audio"
    folder.mkdir()
    files = {
        "tone": make_audio("wav", 2.5),
        "mp3": make_audio("mp3", 4.0, rate=22050),
        "flac": make_audio("flac", 3.0, channels=2, rate=48000),
        "speech": speech_wav.path,
    }
    copies = {}
    for name, path in files.items():
        copies[name] = folder / f"{name}{path.suffix}"
        shutil.copy(path, copies[name])
    return copies


@pytest.fixture
def http_server(tmp_path: Path, audio: dict[str, Path]) -> Iterator[HttpServer]:
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read the server's memory")
    port = free_port()
    env = server_env(None, tmp_path / "cache", GEMINI_AUDIO_ALLOWED_DIRS=str(audio["tone"].parent))
    # glibc gives each thread that allocates a lot its own arena: a transcription landing on a worker thread
    # for the first time adds tens of MB that are reuse, not a leak. Two arenas measure leaks, not threads.
    env["MALLOC_ARENA_MAX"] = "2"
    args = ["-m", "mcp_server", "--transport", "streamable-http", "--port", str(port), "--emulator"]
    log = tmp_path / "server.log"
    with log.open("w") as errlog:
        process = subprocess.Popen([sys.executable, *args], cwd=REPO, env=env, stderr=errlog)
        try:
            wait_for_port(port)
            yield HttpServer(f"http://127.0.0.1:{port}/mcp", process.pid, log)
        finally:
            process.terminate()
            process.wait(timeout=10)


def expected_tokens(seconds: float) -> int:
    return math.ceil(32 * seconds)


async def call(session: ClientSession, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await session.call_tool(name, arguments)
    assert result.isError is False, (name, arguments, result.content)
    assert result.structuredContent is not None
    return result.structuredContent


async def mixed_call(session: ClientSession, audio: dict[str, Path], i: int) -> None:
    """One of the light calls, with its result checked against the file it was made on."""
    durations = {"tone": 2.5, "mp3": 4.0, "flac": 3.0}
    kind = ("tone", "mp3", "flac")[i % 3]
    path = str(audio[kind])
    if i % 2 == 0:
        out = await call(session, "inspect_audio", {"audio": path})
        assert out["duration_seconds"] == pytest.approx(durations[kind], abs=0.06)
        assert out["format"] == kind if kind != "tone" else out["format"] == "wav"
    else:
        out = await call(session, "count_audio_tokens", {"audio": path, "end": "0:02", "exact": i % 4 == 1})
        assert out["audio_tokens"] == expected_tokens(2.0)


async def transcribe_call(session: ClientSession, audio: dict[str, Path], text: str) -> None:
    out = await call(session, "transcribe_audio", {"audio": str(audio["speech"]), "end": "0:03"})
    first_words = {w.strip(".,").lower() for w in text.split()[:4]}
    heard = {w.strip(".,").lower() for w in out["text"].split()}
    assert len(first_words & heard) >= 2, out["text"]


async def test_fifty_concurrent_calls_over_streamable_http_all_complete_correctly(
    http_server: HttpServer, audio: dict[str, Path], speech_wav: SpeechAudio
) -> None:
    async def client(index: int) -> None:
        async with (
            streamable_http_client(http_server.url) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            jobs = [mixed_call(session, audio, index * 10 + i) for i in range(9)]
            if index < 3:
                jobs.append(transcribe_call(session, audio, speech_wav.text))
            else:
                jobs.append(mixed_call(session, audio, index * 10 + 9))
            await asyncio.gather(*jobs)

    await asyncio.wait_for(asyncio.gather(*(client(i) for i in range(5))), timeout=120)
    assert "Traceback" not in http_server.log.read_text()


async def test_server_memory_stays_flat_over_two_hundred_calls(
    http_server: HttpServer, audio: dict[str, Path], speech_wav: SpeechAudio
) -> None:
    async with (
        streamable_http_client(http_server.url) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()

        async def burst(start: int, count: int) -> None:
            for base in range(start, start + count, 10):
                await asyncio.gather(*(mixed_call(session, audio, base + i) for i in range(10)))

        await asyncio.gather(*(transcribe_call(session, audio, speech_wav.text) for _ in range(2)))
        await burst(0, 60)  # warm-up
        before = http_server.rss_kb()
        await burst(60, 200)
        await transcribe_call(session, audio, speech_wav.text)
        after = http_server.rss_kb()
    print(f"server RSS {before} -> {after} kB over 200 calls")
    assert after - before < RSS_GROWTH_LIMIT_KB, f"RSS grew {before} -> {after} kB over 200 calls"
    assert "Traceback" not in http_server.log.read_text()
