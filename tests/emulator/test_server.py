"""Running the emulator: the CLI's foreground ``serve`` and the in-process ``EmulatorServer``."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from gemini_audio_tools.emulator.server import EmulatorServer, _bind, run_emulator, serve

_SERVE = (
    "from gemini_audio_tools.emulator.server import serve; serve('127.0.0.1', 0)\nprint('stopped cleanly')"
)


def _start_serve() -> tuple[subprocess.Popen[str], str]:
    """``serve`` in a real subprocess, as ``gemini-audio emulator --port 0`` runs it; returns its base URL."""
    process = subprocess.Popen([sys.executable, "-c", _SERVE], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    key, _, url = process.stdout.readline().strip().partition("=")
    assert key == "GOOGLE_GEMINI_BASE_URL"
    return process, url


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_the_base_url_once_it_listens_and_serves_until_stopped(
    stop_signal: signal.Signals,
) -> None:
    process, url = _start_serve()
    try:
        port = int(url.rpartition(":")[2])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:  # at once, no retry
            conn.sendall(
                b"GET /v1/files HTTP/1.1\r\nHost: e\r\nx-goog-api-key: k\r\nConnection: close\r\n\r\n"
            )
            status = conn.makefile("rb").readline()
        assert url.startswith("http://127.0.0.1:") and port != 0
        assert status.startswith(b"HTTP/1.1 200")
        storage = Path(httpx.get(f"{url}/_emulator/state").json()["storageDir"])
        assert storage.is_dir()
    finally:
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
    assert process.stdout is not None and process.stdout.read().strip() == "stopped cleanly"
    assert not storage.exists()


def test_serve_exits_within_a_second_of_sigterm_answering_a_request_in_flight_503() -> None:
    """Supervisors (systemd, docker stop, CI) send SIGTERM and wait; an idle keep-alive connection and a
    request still being answered must not hold the process (google-genai's import alone used to cost ~1 s
    of interpreter shutdown)."""
    process, url = _start_serve()
    idle = httpx.Client(headers={"x-goog-api-key": "k"})
    assert idle.get(f"{url}/v1/files").status_code == 200  # leaves a keep-alive connection open
    httpx.post(
        f"{url}/_emulator/faults", json={"type": "latency", "latency_seconds": 60, "operation": "files.get"}
    )
    answers: list[httpx.Response] = []
    in_flight = threading.Thread(target=lambda: answers.append(idle.get(f"{url}/v1/files/abc", timeout=30)))
    in_flight.start()
    _wait_until(lambda: httpx.get(f"{url}/_emulator/state").json()["stats"]["requests"].get("files.get") == 1)

    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    try:
        code = process.wait(timeout=5)
    finally:
        process.kill()
    elapsed = time.monotonic() - started
    in_flight.join(timeout=5)
    idle.close()

    assert code == 0 and elapsed < 1.0, f"exited {code} after {elapsed:.2f} s"
    assert [a.status_code for a in answers] == [503]


def _wait_until(condition: Callable[[], bool]) -> None:
    """Poll a cheap condition (bounded); the server runs in another process, so no event to wait on."""
    for _ in range(500):
        if condition():
            return
        time.sleep(0.01)
    pytest.fail("the condition did not hold within 5 s")


def test_serve_refuses_a_port_in_use_before_printing_anything() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            serve("127.0.0.1", taken.getsockname()[1])


def test_the_in_process_server_starts_and_stops_fast_and_leaves_no_files() -> None:
    started = time.monotonic()
    server = EmulatorServer()
    server.start()
    startup = time.monotonic() - started
    response = httpx.get(f"{server.base_url}/v1/files?key=k")
    root = server.state.root

    started = time.monotonic()
    server.stop()
    shutdown = time.monotonic() - started

    assert response.status_code == 200
    assert startup < 0.5 and shutdown < 0.5
    assert not root.exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/v1/files?key=k")


def test_run_emulator_yields_a_working_base_url() -> None:
    with run_emulator() as base_url:
        assert httpx.get(f"{base_url}/v1/models?key=k").json()["models"]


def test_two_servers_have_separate_projects() -> None:
    with EmulatorServer() as one, EmulatorServer() as two:
        one.state.faults.error(503, operation="files.list")
        assert httpx.get(f"{two.base_url}/v1/files?key=k").status_code == 200
        assert httpx.get(f"{one.base_url}/v1/files?key=k").status_code == 503


async def test_connections_accepted_on_the_emulators_socket_send_without_nagles_delay() -> None:
    """uvicorn writes headers and body separately; without TCP_NODELAY on the accepted sockets the body
    waits for the client's delayed ACK, ~40 ms per request (every SDK call paid it). asyncio, which serves
    uvicorn's sockets, sets TCP_NODELAY only on connections accepted from a socket made as IPPROTO_TCP."""
    listening = _bind("127.0.0.1", 0)
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connect, sock=listening)
    async with server:
        _, writer = await asyncio.open_connection("127.0.0.1", listening.getsockname()[1])
        assert await asyncio.wait_for(accepted, timeout=10) != 0
        writer.close()
