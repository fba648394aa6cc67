"""The API key never appears anywhere: tool output, errors, logs (at DEBUG), CLI streams, the MCP server's
stderr, LangChain's ToolException text, or the cache directory. Over HTTP, neither do the server's bearer
tokens nor signed-URL credentials, in the access log or the server's streams.

A recognisable fake key is configured the ways users configure it (``Settings``, ``GEMINI_API_KEY``,
``GOOGLE_API_KEY``), and every operation runs twice against the emulator: once with the key accepted
(successes, plus injected 429/500 and unknown-file errors) and once with it rejected (authentication errors,
whose messages are the most tempting place to echo a key). Everything produced is collected and searched for
the whole key and for its random tail alone.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
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
from gemini_audio_tools.errors import AuthenticationError, GeminiAudioError
from gemini_audio_tools.langchain import GeminiAudioTool, GeminiAudioToolkit
from gemini_audio_tools.operations import OPERATIONS, call_operation
from tests.fixtures.audio import MakeAudio
from tests.mcp_server._client import REPO, server_env

KEY_TAIL = "7f3a9c2e51d84b06e9"
FAKE_KEY = f"AIzaSyFAKE-canary-{KEY_TAIL}"
NEEDLES = (FAKE_KEY, KEY_TAIL)


def leaks(texts: list[str]) -> list[str]:
    return [text[:200] for text in texts if any(needle in text for needle in NEEDLES)]


def files_with_key(folder: Path) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and any(needle.encode() in path.read_bytes() for needle in NEEDLES)
    ]


@pytest.fixture
def audio_dir(tmp_path: Path, make_audio: MakeAudio) -> Path:
    folder = tmp_path / "audio"
    folder.mkdir()
    (folder / "tone.wav").write_bytes(make_audio("wav", 2.0).read_bytes())
    return folder


@pytest.fixture(params=["accepted", "rejected"])
def key_state(request: pytest.FixtureRequest, emulator: EmulatorServer) -> Iterator[str]:
    if request.param == "rejected":
        emulator.state.settings.invalid_api_keys = frozenset({FAKE_KEY})
    yield str(request.param)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # the root logger: the library's, httpx's, google-genai's, the emulator's
    return caplog


def log_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    texts = [caplog.text]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args), repr(record.__dict__)]
    return texts


def calls(audio: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every operation, with a key-using path for each remote one."""
    wav = str(audio / "tone.wav")
    return [
        ("inspect_audio", {"audio": wav}),
        ("upload_audio", {"audio": wav, "display_name": "secret test"}),
        ("list_audio_files", {}),
        ("count_audio_tokens", {"audio": wav, "exact": True}),
        ("transcribe_audio", {"audio": wav, "end": "0:01", "timestamps": True}),
        ("describe_audio", {"audio": wav, "start": "0:01"}),
        ("ask_about_audio", {"audio": wav, "question": "What is it?"}),
        ("transcribe_audio", {"audio": "files/doesnotexist"}),
        ("delete_audio_file", {"name": "files/doesnotexist"}),
    ]


def exception_texts(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]


def settings_for(emulator: EmulatorServer, audio: Path, cache: Path) -> Settings:
    return Settings(
        api_key=FAKE_KEY,
        base_url=emulator.base_url,
        allowed_dirs=(audio,),
        cache_dir=cache,
        max_retries=1,
        retry_base_delay_seconds=0.001,
        retry_max_delay_seconds=0.01,
    )


def key_env(
    monkeypatch: pytest.MonkeyPatch, emulator: EmulatorServer, audio: Path, cache: Path, var: str
) -> None:
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(var, FAKE_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", emulator.base_url)
    monkeypatch.setenv("GEMINI_AUDIO_ALLOWED_DIRS", str(audio))
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(cache))


async def test_the_library_never_shows_the_key_in_outputs_errors_logs_or_cache(
    key_state: str,
    emulator: EmulatorServer,
    audio_dir: Path,
    tmp_path: Path,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    settings = settings_for(emulator, audio_dir, tmp_path / "cache")
    texts: list[str] = []
    errors: list[GeminiAudioError] = []
    scenarios = calls(audio_dir)
    if key_state == "accepted":  # and the API's own error answers
        emulator.state.faults.error(429, operation="models.generateContent", times=None, retry_after=0.001)
        scenarios += [
            ("ask_about_audio", {"audio": str(audio_dir / "tone.wav"), "question": "Rate limited?"})
        ]
    for name, arguments in scenarios:
        try:
            output: Any = await call_operation(name, arguments, settings=settings)
            texts += [output.model_dump_json(), output.to_text(), repr(output)]
        except GeminiAudioError as exc:
            errors.append(exc)
            texts += exception_texts(exc)
    if key_state == "rejected":
        assert any(isinstance(e, AuthenticationError) for e in errors)
    else:
        assert any(type(e).__name__ == "RateLimitedError" for e in errors)
    assert len(texts) > 10
    assert leaks(texts) == []
    assert leaks(log_texts(debug_logs)) == []
    assert files_with_key(tmp_path / "cache") == []


@pytest.mark.parametrize("var", ["GEMINI_API_KEY", "GOOGLE_API_KEY"])
def test_the_cli_never_prints_the_key_in_text_json_or_errors(
    var: str,
    key_state: str,
    emulator: EmulatorServer,
    audio_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    key_env(monkeypatch, emulator, audio_dir, tmp_path / "cache", var)
    texts: list[str] = []
    codes = []
    for name, arguments in calls(audio_dir):
        argv = [_command(name)]
        for field, value in arguments.items():
            if OPERATIONS[name].input_model.model_fields[field].is_required():
                argv.append(str(value))
            elif value is True:
                argv.append("--" + field.replace("_", "-"))
            else:
                argv += ["--" + field.replace("_", "-"), str(value)]
        for fmt in ([], ["--json"]):
            out, err = io.StringIO(), io.StringIO()
            codes.append(cli_run([*argv, *fmt], stdout=out, stderr=err))
            texts += [out.getvalue(), err.getvalue()]
    failures = sum(code != 0 for code in codes) // 2  # each command ran twice (text and --json)
    assert failures == (8 if key_state == "rejected" else 1)  # accepted: only the unknown remote file fails
    assert leaks(texts) == []
    assert leaks(log_texts(debug_logs)) == []
    assert files_with_key(tmp_path / "cache") == []


def _command(operation: str) -> str:
    return OPERATIONS[operation].command


def test_a_cli_process_refused_for_its_key_prints_no_key_on_any_stream(
    emulator: EmulatorServer, audio_dir: Path, tmp_path: Path
) -> None:
    emulator.state.settings.invalid_api_keys = frozenset({FAKE_KEY})
    env = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    env.update(GOOGLE_API_KEY=FAKE_KEY, GOOGLE_GEMINI_BASE_URL=emulator.base_url, PYTHONPATH=str(REPO))
    env.update(GEMINI_AUDIO_CACHE_DIR=str(tmp_path / "cache"), PYTHONWARNINGS="always")
    done = subprocess.run(
        [sys.executable, "-m", "gemini_audio_tools.cli", "transcribe", str(audio_dir / "tone.wav")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1 and "API key" in done.stderr
    assert leaks([done.stdout, done.stderr]) == []


async def test_the_mcp_server_never_shows_the_key_in_results_or_its_log(
    emulator: EmulatorServer, audio_dir: Path, tmp_path: Path
) -> None:
    env = server_env(emulator.base_url, tmp_path / "cache", GEMINI_AUDIO_ALLOWED_DIRS=str(audio_dir))
    env.pop("GEMINI_API_KEY", None)
    env["GOOGLE_API_KEY"] = FAKE_KEY
    params = StdioServerParameters(command=sys.executable, args=["-m", "mcp_server"], env=env, cwd=str(REPO))
    texts: list[str] = []
    errors = 0
    log = tmp_path / "server.log"
    with log.open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            for rejected in (False, True):
                emulator.state.settings.invalid_api_keys = frozenset({FAKE_KEY} if rejected else ())
                for name, arguments in calls(audio_dir):
                    result = await session.call_tool(name, arguments)
                    texts.append(json.dumps(result.model_dump(mode="json")))
                    errors += bool(result.isError)
    assert errors >= 7  # the rejected round fails on every remote tool
    assert leaks(texts) == []
    assert leaks([log.read_text()]) == []
    assert files_with_key(tmp_path / "cache") == []


def test_langchain_tool_messages_and_tool_exceptions_never_show_the_key(
    key_state: str,
    emulator: EmulatorServer,
    audio_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    key_env(monkeypatch, emulator, audio_dir, tmp_path / "cache", "GOOGLE_API_KEY")
    tools = {tool.name: tool for tool in GeminiAudioToolkit().get_tools()}  # the environment, read per call
    texts: list[str] = []
    raised = 0
    for name, arguments in calls(audio_dir):
        message = tools[name].invoke({"type": "tool_call", "name": name, "args": arguments, "id": "1"})
        assert isinstance(message, ToolMessage)
        texts += [str(message.content), repr(message.artifact), message.model_dump_json()]
        strict = GeminiAudioTool(operation=name, handle_tool_error=False)  # type: ignore[call-arg]
        try:
            strict.invoke(arguments)
        except ToolException as exc:
            raised += 1
            texts += exception_texts(exc)
    assert (raised >= 7) == (key_state == "rejected")
    assert leaks(texts) == []
    assert leaks(log_texts(debug_logs)) == []
    assert files_with_key(tmp_path / "cache") == []


MCP_TOKEN_TAIL = "c4n4ry5e9d2b7f01"
MCP_TOKEN = f"team-token-{MCP_TOKEN_TAIL}"
SIGNATURE = "5167ca9a7e3b1d0f"


async def test_the_http_server_never_shows_the_key_the_token_or_url_credentials_in_its_logs(
    emulator: EmulatorServer, audio_dir: Path, tmp_path: Path
) -> None:
    """Over HTTP with a token: the access log, the server's stderr and the results hold no key, no token
    (valid, one character off, or sent with the wrong scheme) and no signed-URL credential."""
    import httpx

    from tests.mcp_server._client import http_session
    from tests.mcp_server._http_server import INITIALIZE, MCP_HEADERS, http_server

    tokens = tmp_path / "tokens"
    tokens.write_text(f"alice {MCP_TOKEN}\n")
    tokens.chmod(0o600)
    env = {"GOOGLE_API_KEY": FAKE_KEY, "GOOGLE_GEMINI_BASE_URL": emulator.base_url}
    env["GEMINI_AUDIO_ALLOWED_DIRS"] = str(audio_dir)
    signed = f"http://127.0.0.1:9/talk.wav?X-Goog-Credential=svc&X-Goog-Signature={SIGNATURE}"
    texts: list[str] = []
    with http_server(tmp_path, "--auth-token-file", str(tokens), "--max-body-bytes", "4096", **env) as server:
        async with http_session(server.url, {"Authorization": f"Bearer {MCP_TOKEN}"}) as session:
            for rejected in (False, True):
                emulator.state.settings.invalid_api_keys = frozenset({FAKE_KEY} if rejected else ())
                for name, arguments in [*calls(audio_dir), ("inspect_audio", {"audio": signed})]:
                    result = await session.call_tool(name, arguments)
                    texts.append(json.dumps(result.model_dump(mode="json")))
        async with httpx.AsyncClient() as client:
            for authorization in (f"Bearer {MCP_TOKEN[:-1]}0", f"Basic {MCP_TOKEN}", f"Bearer {FAKE_KEY}"):
                answer = await client.post(
                    server.url, json=INITIALIZE, headers=dict(MCP_HEADERS, Authorization=authorization)
                )
                texts.append(answer.text + json.dumps(dict(answer.headers)))
            big = await client.post(
                server.url,
                content=b"{" + b" " * 8000,
                headers=dict(MCP_HEADERS, Authorization=f"Bearer {MCP_TOKEN}"),
            )
            texts.append(big.text)
    logs = [server.access.read_text(), server.stderr.read_text(), server.stdout.read_text()]
    access = server.access_lines()
    assert {line["event"] for line in access} == {"tool_call", "http_refused"}
    assert sum(line["event"] == "tool_call" for line in access) == 2 * (len(calls(audio_dir)) + 1)
    assert {line["caller"] for line in access if line["event"] == "tool_call"} == {"alice"}
    secrets = (*NEEDLES, MCP_TOKEN, MCP_TOKEN_TAIL[:-1])  # the tail's prefix: the one-off token too
    assert [text[:200] for text in texts + logs if any(secret in text for secret in secrets)] == []
    assert [text[:200] for text in logs if SIGNATURE in text] == []
    assert leaks(texts) == []
