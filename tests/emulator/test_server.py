"""Running the emulator: the CLI's foreground ``serve`` and the in-process ``EmulatorServer``."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gemini_audio_tools.emulator.server import EmulatorServer, _bind, run_emulator, serve


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_the_base_url_with_the_real_port_first_and_serves_until_stopped(
    stop_signal: signal.Signals,
) -> None:
    code = (
        "from gemini_audio_tools.emulator.server import serve; serve('127.0.0.1', 0)\n"
        "print('stopped cleanly')"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        key, _, url = first.partition("=")
        assert key == "GOOGLE_GEMINI_BASE_URL"
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        for _ in range(200):  # the socket is bound before the line is printed; uvicorn may still be starting
            try:
                response = httpx.get(f"{url}/v1/files", headers={"x-goog-api-key": "k"})
                break
            except httpx.ConnectError:
                time.sleep(0.02)
        assert response.status_code == 200
        storage = Path(httpx.get(f"{url}/_emulator/state").json()["storageDir"])
        assert storage.is_dir()
    finally:
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
    assert process.stdout.read().strip() == "stopped cleanly"
    assert not storage.exists()


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
