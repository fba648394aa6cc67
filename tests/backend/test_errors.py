from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from google.genai import errors as genai_errors

from gemini_audio_tools.backend.client import make_client
from gemini_audio_tools.backend.errors import OFFICIAL_HOST, is_retryable, map_api_error, retry_after_seconds
from gemini_audio_tools.backend.retry import Attempts, RetryPolicy, with_retries
from gemini_audio_tools.config import Settings
from gemini_audio_tools.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailedError,
    InvalidArgumentError,
    OperationTimeoutError,
    RateLimitedError,
    RemoteFileNotFoundError,
    ServiceUnavailableError,
)

KEY = "AIzaSyD-this-is-not-a-real-key-0123456789"


def api_error(code: int, message: str, status: str = "X", details: list[object] | None = None):  # type: ignore[no-untyped-def]
    body: dict[str, object] = {"error": {"code": code, "message": message, "status": status}}
    if details is not None:
        body["error"]["details"] = details  # type: ignore[index]
    cls = genai_errors.ClientError if code < 500 else genai_errors.ServerError
    return cls(code, body, httpx.Response(code, json=body))


def test_a_rejected_key_is_an_authentication_error_without_the_key() -> None:
    err = map_api_error(
        api_error(400, f"API key not valid. Please pass a valid API key. ({KEY})", "INVALID_ARGUMENT"),
        action="transcribing a.wav",
    )
    assert isinstance(err, AuthenticationError)
    assert KEY not in str(err)
    assert "GEMINI_API_KEY" in str(err)


def test_a_403_on_a_file_is_an_unknown_file() -> None:
    err = map_api_error(
        api_error(
            403, "You do not have permission to access the File abc or it may not exist.", "PERMISSION_DENIED"
        ),
        action="looking up files/abc",
        file_name="files/abc",
    )
    assert isinstance(err, RemoteFileNotFoundError)
    assert "upload_audio" in str(err) and err.caller_fixable


def test_a_404_on_a_file_is_an_unknown_file_and_elsewhere_a_configuration_problem() -> None:
    assert isinstance(
        map_api_error(api_error(404, "gone"), action="x", file_name="files/a"), RemoteFileNotFoundError
    )
    err = map_api_error(api_error(404, "models/nope is not found"), action="x")
    assert isinstance(err, ConfigurationError) and "GEMINI_AUDIO_MODEL" in str(err)


def test_429_carries_the_wait_from_retry_info_details() -> None:
    exc = api_error(429, "quota", "RESOURCE_EXHAUSTED", [{"@type": "RetryInfo", "retryDelay": "17s"}])
    assert retry_after_seconds(exc) == 17
    err = map_api_error(exc, action="x")
    assert isinstance(err, RateLimitedError) and err.retryable and "17 seconds" in str(err)


def test_server_errors_and_transport_errors_are_retryable_unavailability() -> None:
    assert isinstance(map_api_error(api_error(503, "overloaded"), action="x"), ServiceUnavailableError)
    dropped = httpx.ReadError("connection reset")
    assert is_retryable(dropped)
    assert isinstance(map_api_error(dropped, action="x"), ServiceUnavailableError)
    assert isinstance(map_api_error(httpx.ReadTimeout("slow"), action="x"), OperationTimeoutError)


@pytest.mark.parametrize("code", [400, 401, 403, 404, 413])
def test_client_errors_other_than_429_and_408_are_not_retryable(code: int) -> None:
    assert not is_retryable(api_error(code, "no"))


def test_other_client_errors_are_fixable_by_the_caller_and_quote_the_api() -> None:
    err = map_api_error(api_error(400, "Unsupported MIME type: audio/x-foo"), action="describing a.foo")
    assert isinstance(err, InvalidArgumentError)
    assert "Unsupported MIME type" in str(err) and "describing a.foo" in str(err)


# --- transport failures, each said as what it is (real SDK, real sockets) ---------------------------------


@contextmanager
def _dropping_server() -> Iterator[int]:
    """A server that reads each request and closes the connection without answering."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.05)  # so the thread notices ``stop``; accept() is not interrupted by close()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                conn.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _count_tokens(base_url: str, attempts: Attempts) -> None:
    settings = Settings(api_key=KEY, base_url=base_url, request_timeout_seconds=30)
    client = make_client(settings)
    policy = RetryPolicy(max_retries=3, base_delay=0.0, max_delay=0.0)
    try:
        await with_retries(
            lambda: client.aio.models.count_tokens(model="gemini-2.5-flash", contents="hi"),
            policy,
            action="counting tokens",
            attempts=attempts,
        )
    finally:
        await client.aio.aclose()


async def test_a_refused_connection_says_cannot_connect_names_the_host_and_is_retried_once() -> None:
    port = _closed_port()
    attempts = Attempts()
    with pytest.raises(ConnectionFailedError) as caught:
        await _count_tokens(f"http://127.0.0.1:{port}", attempts)
    message = str(caught.value)
    assert f"127.0.0.1:{port} refused the connection" in message
    assert "Nothing was sent" in message and "GOOGLE_GEMINI_BASE_URL" in message
    assert "Lost the connection" not in message and KEY not in message and "/v1/" not in message
    assert attempts.count == 2
    assert caught.value.blocks_everything and not caught.value.retryable


async def test_a_connection_dropped_mid_request_says_lost_and_uses_every_retry() -> None:
    attempts = Attempts()
    with _dropping_server() as port, pytest.raises(ServiceUnavailableError) as caught:
        await _count_tokens(f"http://127.0.0.1:{port}", attempts)
    message = str(caught.value)
    assert not isinstance(caught.value, ConnectionFailedError)
    assert f"The connection to 127.0.0.1:{port} was lost while counting tokens" in message
    assert "(4 attempts)" in message and KEY not in message
    assert attempts.count == 4 and caught.value.retryable and not caught.value.blocks_everything


def _with_request(exc: httpx.TransportError, url: str) -> httpx.TransportError:
    exc.request = httpx.Request("POST", url, headers={"x-goog-api-key": KEY})
    return exc


def test_a_dns_failure_says_the_host_name_could_not_be_resolved_and_to_check_the_network() -> None:
    exc = _with_request(
        httpx.ConnectError("[Errno -2] Name or service not known"), f"https://{OFFICIAL_HOST}/v1/x"
    )
    exc.__cause__ = socket.gaierror(-2, "Name or service not known")
    err = map_api_error(exc, action="uploading talk.mp3")
    assert isinstance(err, ConnectionFailedError)
    assert f"the host name {OFFICIAL_HOST} could not be resolved" in str(err)
    assert "Check your network connection" in str(err) and "GOOGLE_GEMINI_BASE_URL" not in str(err)


def test_a_read_timeout_says_the_host_did_not_answer_in_time() -> None:
    exc = _with_request(httpx.ReadTimeout("timed out"), f"https://{OFFICIAL_HOST}/v1/x?key={KEY}")
    err = map_api_error(exc, action="transcribing talk.mp3", attempts=5)
    assert isinstance(err, OperationTimeoutError) and err.retryable
    assert str(err).startswith(
        f"Timed out while transcribing talk.mp3 (5 attempts): {OFFICIAL_HOST} did not answer in time"
    )
    assert KEY not in str(err)


def test_a_connect_timeout_is_cannot_connect_not_a_slow_answer() -> None:
    exc = _with_request(httpx.ConnectTimeout("timed out"), "http://10.0.0.1:9/v1/x")
    err = map_api_error(exc, action="listing files")
    assert isinstance(err, ConnectionFailedError)
    assert "10.0.0.1:9 did not accept the connection in time" in str(err)
