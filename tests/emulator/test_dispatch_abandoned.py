"""Clients that give up (timeouts, closed streams, uploads cut off mid-chunk) and a server stopping
mid-request: one log line each, never a traceback, nothing held afterwards, and the next one is served."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from google import genai
from google.genai import errors

from gemini_audio_tools.emulator.dispatch import CLIENT_CLOSED_REQUEST
from gemini_audio_tools.emulator.model_types import (
    AudioInput,
    AudioTokenCount,
    GenerationRequest,
    GenerationResult,
)
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.emulator.state import EmulatorState
from tests.fixtures.audio import MakeAudio
from tests.fixtures.emulator import MakeEmulator, client_for

MODEL = "gemini-2.5-flash"
TIMEOUT_MS = 300
"""The client's timeout; every delay on the server side is far longer, so the client is sure to give up."""

try:  # the SDK sends through httpx2 (a fork of httpx) when it is installed
    import httpx2

    TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx.TransportError, httpx2.TransportError)
except ImportError:
    TRANSPORT_ERRORS = (httpx.TransportError,)


class _GatedModel:
    """A model whose generate runs until the test opens the gate, so a client can leave while it runs."""

    def __init__(self, text: str = "An answer.") -> None:
        self.text = text
        self.gate = threading.Event()
        self.running = threading.Event()
        self.calls = 0

    def generate(self, request: GenerationRequest) -> GenerationResult:
        self.calls += 1
        self.running.set()
        self.gate.wait(timeout=10)
        return GenerationResult(text=self.text, output_tokens=len(self.text.split()))

    def count_audio(self, audio: AudioInput) -> AudioTokenCount:
        return AudioTokenCount(seconds=1.0, tokens=32)

    def count_text_tokens(self, text: str) -> int:
        return 1


class _Collect(logging.Handler):
    """Keeps every record as text, traceback included, from whichever thread logs it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def server_log(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], str]]:
    """Everything the emulator, uvicorn and asyncio log from the server's thread, tracebacks included
    (uvicorn's loggers do not propagate to the root logger, so the collector is added to them too)."""
    caplog.set_level(logging.INFO)
    collect = _Collect()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(collect)
    try:
        yield lambda: "\n".join(collect.lines)
    finally:
        for logger in loggers:
            logger.removeHandler(collect)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """Wait until the server thread reaches a state (bounded), instead of sleeping a guessed time."""
    event = threading.Event()
    waited = 0.0
    while not condition():
        if waited >= timeout:
            raise AssertionError(f"timed out waiting for {what}")
        event.wait(0.01)
        waited += 0.01


def _abandoned(server: EmulatorServer, operation: str) -> int:
    return server.state.faults.stats.statuses[operation].get(CLIENT_CLOSED_REQUEST, 0)


def _assert_quiet(log: str) -> None:
    assert "Traceback" not in log and "CancelledError" not in log and "ERROR" not in log, log


_READS: dict[str, tuple[Callable[[genai.Client], object], str]] = {
    "models.generateContent": (
        lambda c: c.models.generate_content(model=MODEL, contents="Hi"),
        "POST /v1/models/gemini-2.5-flash:generateContent",
    ),
    "files.list": (lambda c: list(c.files.list()), "GET /v1/files"),
}


@pytest.mark.parametrize("operation", sorted(_READS))
def test_a_client_timing_out_on_a_slow_read_is_one_info_line_and_the_read_stops(
    operation: str, emulator: EmulatorServer, server_log: Callable[[], str]
) -> None:
    call, request_line = _READS[operation]
    emulator.state.faults.latency(60.0, operation=operation)
    impatient = client_for(emulator, timeout=TIMEOUT_MS)

    with pytest.raises(TRANSPORT_ERRORS):
        call(impatient)

    # the 60 s wait is stopped when the client leaves, not served to nobody a minute later
    _wait_for(lambda: _abandoned(emulator, operation) == 1, "the abandoned request to end")
    lines = [line for line in server_log().splitlines() if "gave up" in line]
    assert len(lines) == 1 and f"gave up on {request_line} ({operation}) after " in lines[0], lines
    assert re.search(r" after \d+\.\d\d s; its work was stopped\.$", lines[0]), lines[0]
    assert "?" not in lines[0]  # never the query string (it may carry the key)
    _assert_quiet(server_log())
    patient = client_for(emulator)
    assert patient.models.count_tokens(model=MODEL, contents="Hi").total_tokens
    assert list(patient.files.list()) == []


def test_a_client_leaving_while_the_model_runs_frees_the_model_and_the_next_call_is_served(
    make_emulator: MakeEmulator, server_log: Callable[[], str]
) -> None:
    model = _GatedModel()
    server = make_emulator(model=model)
    impatient = client_for(server, timeout=TIMEOUT_MS)

    with pytest.raises(TRANSPORT_ERRORS):
        impatient.models.generate_content(model=MODEL, contents="Hi")
    stats = server.state.faults.stats
    _wait_for(lambda: stats.abandoned["models.generateContent"] == 1, "the server to notice the client left")
    assert model.running.is_set() and _abandoned(server, "models.generateContent") == 0  # still running
    model.gate.set()  # the model call in its worker thread ends; then the request ends quietly

    _wait_for(lambda: _abandoned(server, "models.generateContent") == 1, "the abandoned request to end")
    patient = client_for(server)  # kept in a name: a Client closes its connections when collected
    answer = patient.models.generate_content(model=MODEL, contents="Hi")
    assert answer.text == "An answer." and model.calls == 2
    server.stop()
    _assert_quiet(server_log())
    assert "gave up on POST /v1/models/gemini-2.5-flash:generateContent" in server_log()


def test_a_stream_closed_after_its_first_chunk_ends_quietly_mid_answer(
    make_emulator: MakeEmulator, server_log: Callable[[], str]
) -> None:
    model = _GatedModel(text="word " * 2000)  # 50 chunks of about 200 characters
    model.gate.set()
    server = make_emulator(model=model)
    server.state.settings.stream_chunk_seconds = 0.2  # the stream would take 10 s to the end
    client = client_for(server)

    stream = client.models.generate_content_stream(model=MODEL, contents="Hi")
    first = next(stream)
    stream.close()  # type: ignore[attr-defined]  # a generator, typed as an Iterator
    client.close()

    assert first.text and first.text.startswith("word")
    _wait_for(lambda: _abandoned(server, "models.streamGenerateContent") == 1, "the stream to end")
    assert "in the middle of the answer" in server_log()
    server.state.settings.stream_chunk_seconds = 0.0
    patient = client_for(server)
    assert patient.models.generate_content(model=MODEL, contents="Hi").text == "word " * 2000
    server.stop()
    _assert_quiet(server_log())


def _start_upload(server: EmulatorServer, size: int) -> str:
    start = httpx.post(
        f"{server.base_url}/upload/v1/files?key=k",
        headers={
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(size),
            "X-Goog-Upload-Header-Content-Type": "audio/wav",
        },
    )
    return start.headers["x-goog-upload-url"]


def test_an_upload_cut_off_mid_chunk_by_its_client_becomes_no_file_and_stays_resumable(
    emulator: EmulatorServer, server_log: Callable[[], str], make_audio: MakeAudio
) -> None:
    data = make_audio("wav", 2.0).read_bytes()
    url = _start_upload(emulator, len(data))
    target = httpx.URL(url)
    head = (
        f"POST {target.raw_path.decode()} HTTP/1.1\r\nHost: {target.host}\r\n"
        "X-Goog-Upload-Command: upload, finalize\r\nX-Goog-Upload-Offset: 0\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    with socket.create_connection((emulator.host, emulator.port)) as client:
        client.sendall(head.encode() + data[: len(data) // 2])  # half the chunk, then the client is gone
        _wait_for(lambda: emulator.state.faults.stats.bytes_received["upload.chunk"] > 0, "bytes to arrive")

    _wait_for(lambda: _abandoned(emulator, "upload.chunk") == 1, "the cut-off chunk to end")
    assert emulator.state.store.all() == []
    query = httpx.post(url, headers={"X-Goog-Upload-Command": "query"})
    assert query.headers["x-goog-upload-size-received"] == "0"
    assert [p.stat().st_size for p in (emulator.state.root / "uploads").iterdir()] == [0]
    resumed = httpx.post(
        url, content=data, headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"}
    )
    assert resumed.json()["file"]["state"] == "ACTIVE"
    assert "gave up on POST /upload/v1/files (upload.chunk)" in server_log()
    _assert_quiet(server_log())


def test_a_finalize_the_client_stopped_waiting_for_still_makes_its_file(
    emulator: EmulatorServer, server_log: Callable[[], str], make_audio: MakeAudio
) -> None:
    audio = make_audio("wav", 2.0)
    emulator.state.faults.latency(1.5, operation="upload.chunk")
    impatient = client_for(emulator, timeout=TIMEOUT_MS)

    with pytest.raises(TRANSPORT_ERRORS):
        impatient.files.upload(file=audio)

    # the request arrived whole: like the real service, the emulator finishes it (clients may adopt the file)
    _wait_for(lambda: _abandoned(emulator, "upload.chunk") == 1, "the finalize to end", timeout=10)
    assert [f.size_bytes for f in emulator.state.store.all()] == [audio.stat().st_size]
    assert list((emulator.state.root / "uploads").iterdir()) == []
    assert "the answer dropped" in server_log()
    _assert_quiet(server_log())


def test_a_request_in_flight_when_the_server_stops_gets_a_503_and_no_traceback(
    make_emulator: MakeEmulator, server_log: Callable[[], str]
) -> None:
    server = make_emulator()
    server.state.faults.latency(60.0, operation="files.list")
    client = client_for(server)
    outcome: list[BaseException] = []

    def list_files() -> None:
        try:
            list(client.files.list())
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    caller = threading.Thread(target=list_files)
    caller.start()
    _wait_for(lambda: server.state.faults.stats.requests["files.list"] == 1, "the request to arrive")
    server.stop()
    caller.join(timeout=10)

    assert len(outcome) == 1 and isinstance(outcome[0], errors.ServerError), outcome
    assert outcome[0].code == 503 and "shutting down" in str(outcome[0].message)
    assert "stopped while serving GET /v1/files" in server_log()
    _assert_quiet(server_log())


class _GatedMeasure(_GatedModel):
    """Upload "processing" (measuring the audio) runs until the test opens the gate."""

    def count_audio(self, audio: AudioInput) -> AudioTokenCount:
        self.running.set()
        self.gate.wait(timeout=10)
        return AudioTokenCount(seconds=1.0, tokens=32)


def test_a_server_stopped_while_an_upload_is_processed_leaves_no_unrecorded_file_in_the_store(
    server_log: Callable[[], str], make_audio: MakeAudio
) -> None:
    model = _GatedMeasure()
    state = EmulatorState(model=model)
    server = EmulatorServer(state=state)
    server.start()
    client = client_for(server)
    outcome: list[BaseException] = []

    def upload() -> None:
        try:
            client.files.upload(file=make_audio("wav", 1.0))
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    caller = threading.Thread(target=upload)
    caller.start()
    try:
        assert model.running.wait(timeout=10)
        server.stop()
        model.gate.set()
        caller.join(timeout=10)

        assert len(outcome) == 1 and isinstance(outcome[0], errors.ServerError), outcome
        assert state.store.all() == [] and list(state.store.root.iterdir()) == []
        assert len(list((state.root / "uploads").iterdir())) == 1  # still the session's, which expires
        _assert_quiet(server_log())
    finally:
        model.gate.set()
        state.close()


async def test_an_async_call_whose_task_is_cancelled_is_one_info_line_and_frees_the_server(
    emulator: EmulatorServer, server_log: Callable[[], str]
) -> None:
    """What an MCP tool call cancelled by its client looks like from here: an asyncio task cancelled
    while the SDK's async client waits for the answer."""
    emulator.state.faults.latency(60.0, operation="models.countTokens")
    client = client_for(emulator)
    call = asyncio.ensure_future(client.aio.models.count_tokens(model=MODEL, contents="Hi"))
    stats = emulator.state.faults.stats
    while stats.requests["models.countTokens"] == 0 and not call.done():
        await asyncio.sleep(0.01)  # until the request has reached the server

    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call

    for _ in range(500):  # bounded: until the server has ended the abandoned request
        if _abandoned(emulator, "models.countTokens"):
            break
        await asyncio.sleep(0.01)
    assert _abandoned(emulator, "models.countTokens") == 1
    assert (await client.aio.models.count_tokens(model=MODEL, contents="Hi")).total_tokens
    await client.aio.aclose()
    assert "gave up on POST /v1/models/gemini-2.5-flash:countTokens" in server_log()
    _assert_quiet(server_log())


def test_a_stream_in_flight_when_the_server_stops_ends_short_and_without_a_traceback(
    make_emulator: MakeEmulator, server_log: Callable[[], str]
) -> None:
    model = _GatedModel(text="word " * 2000)
    model.gate.set()
    server = make_emulator(model=model)
    server.state.settings.stream_chunk_seconds = 0.2  # 10 s to the end of the stream
    client = client_for(server)
    stream = client.models.generate_content_stream(model=MODEL, contents="Hi")
    received = [next(stream).text]

    server.stop()
    with contextlib.suppress(*TRANSPORT_ERRORS):  # the end of a cut stream may be reported as one
        received.extend(chunk.text for chunk in stream)

    assert 1 <= len(received) < 50
    assert "stopped while serving POST /v1/models/gemini-2.5-flash:streamGenerateContent" in server_log()
    _assert_quiet(server_log())
