"""Hostile URLs through the adapters agents use: the MCP server (the official client over stdio) and the CLI.

The downloader's own rules are proven in tests/urls; here each hostile case goes in through an adapter and
must come back as a clear error naming what was refused and what to do (never a traceback), leave no file
in the process's temp dir, and leave the server serving: after each case the same session transcribes the
allowed URL, with and without a range. A public-looking name resolving to a private address is a fake DNS
entry in the server process (``_url_seams``); a slowloris server is cut off by shortened time limits there.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from gemini_audio_tools.cli import run
from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import SpeechAudio
from tests.fixtures.containers import make_container
from tests.fixtures.web import WebServer
from tests.mcp_server._client import REPO, server_env
from tests.reliability import _url_seams

pytest.importorskip("faster_whisper")

CAP = 4_000_000
"""GEMINI_AUDIO_MAX_DOWNLOAD_BYTES for these tests: above the speech file, far below the endless body."""
HTML = b"<!doctype html><html><body>Please sign in to continue.</body></html>" * 20


def hostile_cases(web: WebServer) -> list[tuple[str, str, list[str]]]:
    """``(case, url, words the error must contain)``; the web server itself is allowed on its port only."""
    web.add("/page.mp3", HTML, "audio/mpeg")
    web.add("/cut.m4a", make_container("m4a").read_bytes()[:-2000], "audio/mp4")
    to = {
        "loopback": "http://127.0.0.1:1/a.mp3",
        "private": "http://10.0.0.5/a.mp3",
        "ipv6-loopback": "http://[::1]/a.mp3",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "name-to-loopback": "http://podcast.example.com:8080/a.mp3",
        "name-to-metadata": "http://cdn.example.net/a.mp3",
    }
    allow = "GEMINI_AUDIO_ALLOWED_HOSTS"
    return [
        ("loopback", to["loopback"], ["loopback address (127.0.0.1)", allow]),
        ("private", to["private"], ["private address (10.0.0.5)", allow]),
        ("ipv6-loopback", to["ipv6-loopback"], ["loopback address (::1)", allow]),
        ("metadata", to["metadata"], ["cloud metadata address (169.254.169.254)", allow]),
        ("name-to-loopback", to["name-to-loopback"], ["resolves to a loopback address (127.0.0.1)"]),
        ("name-to-metadata", to["name-to-metadata"], ["resolves to a cloud metadata address"]),
        *[
            (f"redirect-to-{case}", web.url("/redirect", to=url), ["redirect", why])
            for case, url, why in (
                ("loopback", to["loopback"], "loopback address (127.0.0.1)"),
                ("private", to["private"], "private address (10.0.0.5)"),
                ("ipv6-loopback", to["ipv6-loopback"], "loopback address (::1)"),
                ("metadata", to["metadata"], "cloud metadata address (169.254.169.254)"),
                ("name-to-loopback", to["name-to-loopback"], "resolves to a loopback address"),
            )
        ],
        ("redirect-loop", web.url("/loop/a"), ["redirects in a loop"]),
        ("10-gb", web.url("/huge"), ["10.00 GB", "GEMINI_AUDIO_MAX_DOWNLOAD_BYTES"]),
        ("endless", web.url("/endless"), ["more than the 4.0 MB download limit"]),
        ("slowloris-trickle", web.url("/trickle"), ["too slowly", "Try again later"]),
        ("slowloris-stall", web.url("/stall"), ["sent nothing for 1 s", "Try again later"]),
        ("html-as-audio-mpeg", web.url("/page.mp3"), [web.url("/page.mp3"), "is an HTML page"]),
        ("truncated-m4a", web.url("/cut.m4a"), [web.url("/cut.m4a"), "truncated"]),
    ]


@pytest.fixture
def talk(web: WebServer, speech_wav: SpeechAudio) -> str:
    """The allowed URL of a real recording on the local web server."""
    return web.add("/talk.wav", speech_wav.path.read_bytes(), "audio/wav")


@pytest.fixture
def temp_dir(tmp_path: Path) -> Path:
    """The TMPDIR of the process under test, to see what it leaves behind."""
    where = tmp_path / "tmp"
    where.mkdir()
    return where


@asynccontextmanager
async def mcp_session(env: dict[str, str]) -> AsyncIterator[ClientSession]:
    """The real MCP server over stdio, with the URL seams installed in its process."""
    params = StdioServerParameters(
        command=sys.executable, args=["-c", _url_seams.MCP_LAUNCHER], env=env, cwd=str(REPO)
    )
    with open(os.devnull, "w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            yield session


def _text(result: object) -> str:
    return "\n".join(getattr(c, "text", "") for c in getattr(result, "content", []))


async def test_every_hostile_url_is_a_clear_mcp_tool_error_and_the_server_serves_the_next_call(
    emulator: EmulatorServer, web: WebServer, talk: str, tmp_path: Path, temp_dir: Path
) -> None:
    env = server_env(
        emulator.base_url,
        tmp_path / "cache",
        GEMINI_AUDIO_ALLOWED_HOSTS=f"127.0.0.1:{web.port}",
        GEMINI_AUDIO_MAX_DOWNLOAD_BYTES=str(CAP),
        TMPDIR=str(temp_dir),
    )
    async with mcp_session(env) as session:
        for case, url, words in hostile_cases(web):
            for tool in ("inspect_audio", "transcribe_audio"):
                refused = await session.call_tool(tool, {"audio": url})
                message = _text(refused)
                assert refused.isError, (case, tool, message)
                assert all(w in message for w in words), (case, tool, message)
                assert "Traceback" not in message and "gemini-audio-download-" not in message
                assert not list(temp_dir.iterdir()), (case, tool)
            alive = await session.call_tool("inspect_audio", {"audio": talk})
            assert not alive.isError, (case, _text(alive))
        whole = await session.call_tool("transcribe_audio", {"audio": talk})
        part = await session.call_tool("transcribe_audio", {"audio": talk, "start": "4", "end": "8"})
    assert not whole.isError and "coffee" in _text(whole).lower()
    assert not part.isError and whole.structuredContent and part.structuredContent
    assert whole.structuredContent["range"]["method"] == "whole"
    assert part.structuredContent["range"]["method"] == "clip"
    assert (
        part.structuredContent["range"]["start_seconds"],
        part.structuredContent["range"]["end_seconds"],
    ) == (
        4.0,
        8.0,
    )
    assert not list(temp_dir.iterdir())


async def test_no_urls_turns_url_input_off_in_the_mcp_server(
    emulator: EmulatorServer, web: WebServer, talk: str, tmp_path: Path
) -> None:
    env = server_env(
        emulator.base_url, tmp_path / "cache", GEMINI_AUDIO_ALLOWED_HOSTS=f"127.0.0.1:{web.port}"
    )
    params = StdioServerParameters(command=sys.executable, args=["-m", "mcp_server", "--no-urls"], env=env)
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as streams, ClientSession(*streams) as session:
            await session.initialize()
            refused = await session.call_tool("transcribe_audio", {"audio": talk})
    assert refused.isError and "URL input is turned off" in _text(refused)
    assert not any(path == "/talk.wav" for path, _ in web.requests)


@pytest.fixture
def seams(monkeypatch: pytest.MonkeyPatch, temp_dir: Path) -> Path:
    """The URL seams in this process (for the CLI run in-process), and its temp dir redirected."""
    monkeypatch.setattr("socket.getaddrinfo", _url_seams.fake_getaddrinfo)
    monkeypatch.setitem(_url_seams.download_defaults(), "timeouts", _url_seams.QUICK)
    monkeypatch.setattr(tempfile, "tempdir", str(temp_dir))
    return temp_dir


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_every_hostile_url_is_a_clear_cli_error_with_exit_2_or_1_and_nothing_left_behind(
    emulator_env: EmulatorServer,
    web: WebServer,
    talk: str,
    seams: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flags = ["--allow-host", f"127.0.0.1:{web.port}", "--allow-dir", str(tmp_path)]
    monkeypatch.setenv("GEMINI_AUDIO_MAX_DOWNLOAD_BYTES", str(CAP))
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(tmp_path / "cache"))
    for case, url, words in hostile_cases(web):
        code, out, err = cli("transcribe", url, *flags)
        retryable = case.startswith("slowloris")
        assert code == (1 if retryable else 2), (case, code, err)
        assert out == "" and all(w in err for w in words), (case, err)
        assert "Traceback" not in err and "gemini-audio-download-" not in err
        assert not list(seams.iterdir()), case
    code, out, err = cli("transcribe", talk, "--start", "4", "--end", "8", "--json", *flags)
    assert code == 0, err
    assert json.loads(out)["range"] | {"method": "clip"} == json.loads(out)["range"]
    assert (json.loads(out)["range"]["start_seconds"], json.loads(out)["range"]["end_seconds"]) == (4.0, 8.0)
    assert not list(seams.iterdir())


def test_a_cli_process_refuses_a_name_resolving_to_metadata_without_a_traceback(
    emulator: EmulatorServer, tmp_path: Path, temp_dir: Path
) -> None:
    env = server_env(emulator.base_url, tmp_path / "cache", TMPDIR=str(temp_dir))
    done = subprocess.run(
        [sys.executable, "-c", _url_seams.CLI_LAUNCHER, "inspect", "http://cdn.example.net/a.mp3"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "resolves to a cloud metadata address (169.254.169.254)" in done.stderr
    assert "Traceback" not in done.stderr and not list(temp_dir.iterdir())
