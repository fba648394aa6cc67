"""The HTTP server as a team shares it: a real subprocess, the official MCP client with headers, raw HTTP.

Every refused request is proved not to have run a tool: the probe's ``noisy`` call writes a marker to the
server's stdout, and the markers are counted (see ``_http_server``).
"""

from __future__ import annotations

import asyncio
import base64
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.mcp_server._client import REPO, http_session, server_env, wire
from tests.mcp_server._http_server import INITIALIZE, MCP_HEADERS, NOISY_CALL, RUN_MARKER, http_server, rpc

ALICE = "Zq3v8Kf1-alice-token-0123456789"
BOB = "Yp2u7Je0-bob-token-9876543210ab"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens"
    path.write_text(f"alice {ALICE}\nbob {BOB}\n")
    path.chmod(0o600)
    return path


BAD_AUTHORIZATION = {
    "no header": None,
    "wrong scheme": "Basic " + base64.b64encode(f"alice:{ALICE}".encode()).decode(),
    "token scheme": f"Token {ALICE}",
    "empty token": "Bearer",  # what "Bearer " becomes: HTTP strips the header value's trailing space
    "one character off": f"Bearer {ALICE[:-1]}X",
    "another server's token": "Bearer " + "k" * 43,
}


async def test_a_public_bind_with_tokens_serves_the_official_client_and_refuses_bad_tokens_unrun(
    tmp_path: Path, token_file: Path
) -> None:
    with http_server(tmp_path, "--auth-token-file", str(token_file), host="0.0.0.0") as server:
        async with http_session(server.url, bearer(ALICE)) as session:
            names = [tool["name"] for tool in wire(await session.list_tools())["tools"]]
            result = wire(await session.call_tool(NOISY_CALL["name"], NOISY_CALL["arguments"]))
        assert "probe_echo" in names and result["isError"] is False
        assert server.tool_runs() == 1

        async with httpx.AsyncClient() as client:
            for label, value in BAD_AUTHORIZATION.items():
                headers = dict(MCP_HEADERS, **({"Authorization": value} if value is not None else {}))
                for body in (INITIALIZE, rpc("tools/call", NOISY_CALL, request_id=2)):
                    answer = await client.post(server.url, json=body, headers=headers)
                    assert answer.status_code == 401, label
                    assert answer.headers["www-authenticate"].startswith("Bearer "), label
                    assert answer.json()["error"] == "invalid_token", label

        with pytest.raises(Exception):  # noqa: B017 - 1.x raises HTTPStatusError in a group, 2.x an MCPError
            async with http_session(server.url, bearer(ALICE[:-1] + "X")):
                pass
        assert server.alive() and server.tool_runs() == 1
    calls = [line for line in server.access_lines() if line["event"] == "tool_call"]
    refused = [line for line in server.access_lines() if line["event"] == "http_refused"]
    assert [(c["caller"], c["tool"], c["outcome"]) for c in calls] == [("alice", "probe_echo", "ok")]
    assert len(refused) >= 2 * len(BAD_AUTHORIZATION) and {r["status"] for r in refused} == {401}
    assert ALICE not in server.access.read_text() and ALICE not in server.stderr.read_text()


async def test_loopback_without_a_token_works_locally_and_refuses_foreign_host_and_origin(
    tmp_path: Path,
) -> None:
    with http_server(tmp_path) as server:
        async with http_session(server.url) as session:
            result = wire(await session.call_tool(NOISY_CALL["name"], NOISY_CALL["arguments"]))
        assert result["isError"] is False and server.tool_runs() == 1
        async with httpx.AsyncClient() as client:
            foreign_host = await client.post(
                server.url, json=rpc("tools/call", NOISY_CALL), headers=dict(MCP_HEADERS, Host="evil.example")
            )
            foreign_origin = await client.post(
                server.url, json=INITIALIZE, headers=dict(MCP_HEADERS, Origin="http://evil.example")
            )
            local_origin = await client.post(
                server.url, json=INITIALIZE, headers=dict(MCP_HEADERS, Origin="http://localhost:6274")
            )
        assert foreign_host.status_code == 421 and "--public-host" in foreign_host.json()["error"]["message"]
        assert foreign_origin.status_code == 403
        assert local_origin.status_code == 200
        assert server.alive() and server.tool_runs() == 1


async def test_read_only_hides_upload_and_delete_and_refuses_a_call_to_them(tmp_path: Path) -> None:
    with http_server(tmp_path, "--read-only") as server:
        async with http_session(server.url) as session:
            names = {tool["name"] for tool in wire(await session.list_tools())["tools"]}
            refused = wire(await session.call_tool("delete_audio_file", {"name": "files/abc"}))
    assert "delete_audio_file" not in names and "upload_audio" not in names and "inspect_audio" in names
    assert refused["isError"] is True and "--read-only" in refused["content"][0]["text"]


async def raw_session(client: httpx.AsyncClient, url: str, token: str) -> dict[str, str]:
    """Headers of an initialized session, opened with raw HTTP."""
    headers = dict(MCP_HEADERS, **bearer(token))
    answer = await client.post(url, json=INITIALIZE, headers=headers)
    assert answer.status_code == 200, answer.text
    headers.update({"mcp-session-id": answer.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"})
    done = await client.post(url, json=rpc("notifications/initialized", request_id=None), headers=headers)
    assert done.status_code == 202
    return headers


async def test_a_thousand_requests_at_once_get_429_with_retry_after_and_other_callers_are_unharmed(
    tmp_path: Path, token_file: Path
) -> None:
    args = ("--auth-token-file", str(token_file), "--rate-limit", "20")
    with http_server(tmp_path, *args) as server:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            headers = await raw_session(client, server.url, ALICE)
            started = time.monotonic()
            answers = await asyncio.gather(
                *(
                    client.post(server.url, json=rpc("tools/call", NOISY_CALL, i), headers=headers)
                    for i in range(1000)
                )
            )
            elapsed = time.monotonic() - started
        statuses = [a.status_code for a in answers]
        refused = [a for a in answers if a.status_code == 429]
        assert set(statuses) == {200, 429}
        assert statuses.count(200) <= 40 + 20 * (elapsed + 1) + 2  # the burst, the rate, the 1 s of delay
        assert all(int(a.headers["retry-after"]) >= 1 for a in refused)
        assert "Too many requests" in refused[0].json()["error"]["message"]
        assert server.tool_runs() == statuses.count(200)
        async with http_session(server.url, bearer(BOB)) as session:  # limits are per caller
            assert wire(await session.call_tool("probe_echo", {"text": "bob"}))["isError"] is False
        assert server.alive()


async def test_a_huge_body_gets_413_whether_declared_or_streamed(tmp_path: Path, token_file: Path) -> None:
    with http_server(tmp_path, "--auth-token-file", str(token_file), "--max-body-bytes", "65536") as server:
        async with httpx.AsyncClient(timeout=60) as client:
            headers = await raw_session(client, server.url, ALICE)
            huge = rpc("tools/call", {"name": "probe_echo", "arguments": {"text": "x" * 5_000_000}})
            declared = await client.post(server.url, json=huge, headers=headers)

            async def stream() -> object:
                for _ in range(100):
                    yield b" " * 4096

            streamed = await client.post(server.url, content=stream(), headers=headers)
        assert declared.status_code == 413 and streamed.status_code == 413
        assert "65536 bytes" in declared.json()["error"]["message"]
        async with http_session(server.url, bearer(ALICE)) as session:
            assert wire(await session.call_tool("probe_echo", {"text": "still here"}))["isError"] is False
        assert server.alive()


def trickle(port: int, first: bytes, drip: bytes, limit_s: float = 20.0) -> tuple[bytes, float]:
    """Send ``first``, then ``drip`` a byte every 0.2 s until the server closes; (what it said, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=limit_s) as sock:
        sock.sendall(first)
        sock.setblocking(False)
        heard = b""
        for i in range(int(limit_s / 0.2)):
            try:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                heard += chunk
            except BlockingIOError:
                pass
            except OSError:
                break
            try:
                sock.send(drip[i % len(drip) : i % len(drip) + 1])
            except OSError:
                break
            time.sleep(0.2)  # the attack's pace, not a timing assertion
        return heard, time.monotonic() - started


async def test_slowloris_clients_are_cut_off_in_bounded_time_while_others_are_served(
    tmp_path: Path, token_file: Path
) -> None:
    args = ("--auth-token-file", str(token_file), "--request-timeout", "1")
    with http_server(tmp_path, *args) as server:
        host = f"Host: 127.0.0.1:{server.port}\r\n".encode()
        slow_headers = asyncio.gather(
            *(
                asyncio.to_thread(trickle, server.port, b"POST /mcp HTTP/1.1\r\n" + host, b"X-Slow: a\r\n")
                for _ in range(5)
            )
        )
        body_start = (
            b"POST /mcp HTTP/1.1\r\n" + host + f"Authorization: Bearer {ALICE}\r\n".encode()
            + b"Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
            + b"Content-Length: 5000\r\n\r\n{"
        )  # fmt: skip
        slow_body = asyncio.to_thread(trickle, server.port, body_start, b'"jsonrpc": "2.0", ')
        async with http_session(server.url, bearer(BOB)) as session:  # served while the attack goes on
            for _ in range(3):
                assert wire(await session.call_tool("probe_echo", {"text": "bob"}))["isError"] is False
        header_results, (body_heard, body_seconds) = await asyncio.gather(slow_headers, slow_body)
    for heard, seconds in header_results:
        assert (
            seconds < 10 and heard == b""
        )  # closed at the header deadline, long before the 20 s the client had
    assert body_seconds < 10 and body_heard.startswith(b"HTTP/1.1 408")
    assert server.tool_runs() == 0


def test_a_public_bind_without_authentication_refuses_to_start_and_says_what_to_do(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mcp_server", "--transport", "streamable-http", "--host", "0.0.0.0"],
        cwd=REPO, env=server_env(None, tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    for hint in ("GEMINI_AUDIO_MCP_TOKEN", "--auth-token-file", "--no-auth"):
        assert hint in done.stderr


async def test_no_auth_starts_a_public_bind_with_a_warning(tmp_path: Path) -> None:
    with http_server(tmp_path, "--no-auth", host="0.0.0.0") as server:
        async with http_session(server.url) as session:
            assert wire(await session.call_tool("probe_echo", {"text": "open"}))["isError"] is False
    assert "WARNING: --no-auth" in server.stderr.read_text()


def test_a_token_on_the_command_line_is_not_an_option() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mcp_server", "--auth-token", ALICE], cwd=REPO, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "unrecognized arguments" in done.stderr


assert RUN_MARKER  # the witness the module docstring describes
