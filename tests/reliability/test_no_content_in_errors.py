"""A tool pointed at a secret file inside an allowed directory refuses it without quoting a byte of it.

Through MCP and LangChain an error message goes to a model (and, from there, anywhere). A ``.env`` or an SSH
private key sitting next to the recordings is exactly what a confused or manipulated agent may pass as
``audio``. Each such file goes through every tool that reads local audio, via the library, the CLI (in
process and as a real process), the real stdio MCP server and the LangChain tools; every answer must be an
error that says the file is text, not audio, and nothing produced (results, errors, tracebacks, the
server's stderr, debug logs) may contain any ten consecutive characters of the secrets.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import ToolException
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from gemini_audio_tools.cli import run as cli_run
from gemini_audio_tools.config import Settings
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import UnsupportedAudioError
from gemini_audio_tools.langchain import GeminiAudioTool, GeminiAudioToolkit
from gemini_audio_tools.operations import call_operation
from tests.fixtures.emulator import TEST_API_KEY
from tests.mcp_server._client import REPO, server_env

API_TOKEN = "sk-test-4f9a2c7e1d8b3a6f0e5c9d2b7a41"
KEY_TOKEN = "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABBq9Zx4Tq8LmW2rKpV7uYd3"
SECRETS = {
    ".env": (f"GEMINI_API_KEY={API_TOKEN}\nDATABASE_URL=postgres://u:pw@db/x\n", "a plain text file"),
    "id_ed25519": (
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_TOKEN}\n-----END OPENSSH PRIVATE KEY-----\n",
        "a PEM text file",
    ),
    "meeting.mp3": (f"GEMINI_API_KEY={API_TOKEN}\n", "a plain text file"),  # a misleading extension
    "config.json": (json.dumps({"api_key": API_TOKEN}), "a JSON text file"),
}
NEEDLES = tuple(
    {token[i : i + 10] for token in (API_TOKEN, KEY_TOKEN) for i in range(len(token) - 9)}
    | {"GEMINI_API_KEY=sk", "postgres://", "DATABASE_URL"}
)
READERS = [
    "inspect_audio",
    "upload_audio",
    "count_audio_tokens",
    "transcribe_audio",
    "describe_audio",
    "ask_about_audio",
]


def leaks(texts: list[str]) -> list[str]:
    return [text[:300] for text in texts if any(needle in text for needle in NEEDLES)]


def says_text_not_audio(message: str, name: str) -> bool:
    return SECRETS[name][1] in message and "not audio" in message and f"'{name}'" in message


def arguments(name: str, audio: str) -> dict[str, Any]:
    return {"audio": audio, "question": "What is said?"} if name == "ask_about_audio" else {"audio": audio}


@pytest.fixture
def secrets_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "recordings"
    folder.mkdir()
    for name, (content, _kind) in SECRETS.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [caplog.text, *(repr(record.__dict__) for record in caplog.records)]


def settings_for(emulator: EmulatorServer, folder: Path, cache: Path) -> Settings:
    return Settings(api_key=TEST_API_KEY, base_url=emulator.base_url, allowed_dirs=(folder,), cache_dir=cache)


def exception_texts(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]


async def test_the_library_refuses_secret_files_as_text_without_quoting_them(
    emulator: EmulatorServer, secrets_dir: Path, tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(emulator, secrets_dir, tmp_path / "cache")
    texts: list[str] = []
    for name in SECRETS:
        for tool in READERS:
            with pytest.raises(UnsupportedAudioError) as caught:
                await call_operation(tool, arguments(tool, str(secrets_dir / name)), settings=settings)
            assert says_text_not_audio(str(caught.value), name), str(caught.value)
            texts += exception_texts(caught.value)
    assert leaks(texts) == []
    assert leaks(log_texts(debug_logs)) == []
    assert emulator.state.store.all() == []  # and nothing of them was sent to the API


def test_the_cli_refuses_secret_files_as_text_without_printing_them(
    emulator_env: EmulatorServer,
    secrets_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.delenv("GEMINI_AUDIO_ALLOWED_DIRS", raising=False)  # the CLI's default: the named file
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(tmp_path / "cache"))
    texts: list[str] = []
    for name in SECRETS:
        for argv in (["inspect"], ["inspect", "--json"], ["transcribe"], ["ask", "--json"]):
            out, err = io.StringIO(), io.StringIO()
            extra = ["What is said?"] if argv[0] == "ask" else []
            code = cli_run([argv[0], str(secrets_dir / name), *extra, *argv[1:]], stdout=out, stderr=err)
            assert code == 2 and out.getvalue() == ""
            assert says_text_not_audio(err.getvalue(), name), err.getvalue()
            texts += [out.getvalue(), err.getvalue()]
    assert leaks(texts) == []
    assert leaks(log_texts(debug_logs)) == []


def test_a_cli_process_inspecting_a_private_key_prints_none_of_it(secrets_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GEMINI_AUDIO_ALLOWED_DIRS"}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "gemini_audio_tools.cli", "inspect", "id_ed25519"],
        capture_output=True,
        text=True,
        env=env,
        cwd=secrets_dir,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert says_text_not_audio(done.stderr, "id_ed25519"), done.stderr
    assert leaks([done.stdout, done.stderr]) == []


async def test_the_mcp_server_returns_tool_errors_that_name_the_text_but_never_quote_it(
    emulator: EmulatorServer, secrets_dir: Path, tmp_path: Path
) -> None:
    env = server_env(emulator.base_url, tmp_path / "cache", GEMINI_AUDIO_ALLOWED_DIRS=str(secrets_dir))
    params = StdioServerParameters(command=sys.executable, args=["-m", "mcp_server"], env=env, cwd=str(REPO))
    texts: list[str] = []
    log = tmp_path / "server.log"
    with log.open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            for name in SECRETS:
                for tool in READERS:
                    result = await session.call_tool(tool, arguments(tool, str(secrets_dir / name)))
                    assert result.isError
                    shown = " ".join(getattr(block, "text", "") for block in result.content)
                    assert says_text_not_audio(shown, name), shown
                    texts.append(json.dumps(result.model_dump(mode="json")))
    assert leaks(texts) == []
    assert leaks([log.read_text()]) == []


def test_langchain_tool_messages_and_exceptions_name_the_text_but_never_quote_it(
    emulator: EmulatorServer, secrets_dir: Path, tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(emulator, secrets_dir, tmp_path / "cache")
    tools = {tool.name: tool for tool in GeminiAudioToolkit(settings=settings).get_tools()}
    texts: list[str] = []
    for name in SECRETS:
        for tool in READERS:
            args = arguments(tool, str(secrets_dir / name))
            message = tools[tool].invoke({"type": "tool_call", "name": tool, "args": args, "id": "1"})
            assert isinstance(message, ToolMessage) and message.status == "error"
            assert says_text_not_audio(str(message.content), name), message.content
            texts += [str(message.content), repr(message.artifact), message.model_dump_json()]
            strict = GeminiAudioTool(operation=tool, settings=settings, handle_tool_error=False)  # type: ignore[call-arg]
            with pytest.raises(ToolException) as caught:
                strict.invoke(args)
            texts += exception_texts(caught.value)
    assert leaks(texts) == []
    assert leaks(log_texts(debug_logs)) == []
