from __future__ import annotations

import httpx
import pytest
from google.genai import errors as genai_errors

from gemini_audio_tools.backend.errors import is_retryable, map_api_error, retry_after_seconds
from gemini_audio_tools.errors import (
    AuthenticationError,
    ConfigurationError,
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
