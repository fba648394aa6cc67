"""Translate what the google-genai SDK and httpx raise into the library's one error hierarchy.

The SDK raises ``ClientError`` (4xx) / ``ServerError`` (5xx) carrying the API's error JSON, and lets httpx's
transport errors through. Agents need to know what to do next, so each is mapped to a class that says whether
changing the arguments helps (``caller_fixable``) or waiting does (``retryable``), with a message naming the
operation. :func:`redact` (applied by every ``GeminiAudioError``) keeps the API key out of messages even when
the API echoes a URL or header.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from google.genai import errors as genai_errors

from ..errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    GeminiAudioError,
    InvalidArgumentError,
    OperationTimeoutError,
    RateLimitedError,
    RemoteFileNotFoundError,
    ServiceUnavailableError,
)


def _httpx_classes(name: str) -> tuple[type[BaseException], ...]:
    """``httpx.<name>`` and, when installed, ``httpx2.<name>``: the SDK uses the httpx2 fork if present."""
    classes: list[type[BaseException]] = [getattr(httpx, name)]
    try:
        import httpx2  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the environment
        pass
    else:
        classes.append(getattr(httpx2, name))
    return tuple(classes)


_TRANSPORT_ERRORS = _httpx_classes("TransportError")
_TIMEOUT_ERRORS = _httpx_classes("TimeoutException")

RETRYABLE_STATUS_CODES = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses worth the same request again: timeouts, rate limits and server-side failures. Never other 4xx."""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s?\s*$")


def is_retryable(exc: BaseException) -> bool:
    """True for failures where sending the same request again may succeed (429, 5xx, dropped connections)."""
    if isinstance(exc, genai_errors.APIError):
        return exc.code in RETRYABLE_STATUS_CODES
    return isinstance(exc, _TRANSPORT_ERRORS)


def is_transport_error(exc: BaseException) -> bool:
    """True when the request got no HTTP answer (timeout, dropped connection): the server may have done it."""
    return isinstance(exc, _TRANSPORT_ERRORS)


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's requested wait: the ``Retry-After`` header, else a ``RetryInfo.retryDelay`` detail."""
    if not isinstance(exc, genai_errors.APIError):
        return None
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        value = headers.get("retry-after")
        if value is not None:
            match = _DURATION.match(str(value))
            if match:
                return float(match.group(1))
    return _retry_delay_from_details(exc.details)


def _retry_delay_from_details(details: Any) -> float | None:
    error = details.get("error", details) if isinstance(details, dict) else None
    entries = error.get("details") if isinstance(error, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and "retryDelay" in entry:
            match = _DURATION.match(str(entry["retryDelay"]))
            if match:
                return float(match.group(1))
    return None


def _api_message(exc: genai_errors.APIError) -> str:
    message = exc.message or exc.status or "no details"
    return str(message).strip().rstrip(".")


def map_api_error(exc: BaseException, *, action: str, file_name: str | None = None) -> GeminiAudioError:
    """Turn an SDK / transport exception raised while doing ``action`` into a :class:`GeminiAudioError`.

    ``action`` is a short phrase ("uploading speech.wav", "transcribing files/abc") used in the message;
    ``file_name`` marks requests about one Files API file, so a 403/404 means the file is unknown.
    Errors that already belong to the hierarchy are returned unchanged.
    """
    if isinstance(exc, GeminiAudioError):
        return exc
    if isinstance(exc, _TIMEOUT_ERRORS):
        return OperationTimeoutError(
            f"Timed out while {action}. The Gemini API did not answer in time; try again, or use a shorter "
            "time range (start/end)."
        )
    if isinstance(exc, _TRANSPORT_ERRORS):
        return ServiceUnavailableError(
            f"Lost the connection to the Gemini API while {action} ({type(exc).__name__}). Try again later."
        )
    if not isinstance(exc, genai_errors.APIError):
        return ApiError(f"Unexpected failure while {action}: {type(exc).__name__}: {exc}")
    code = exc.code
    detail = _api_message(exc)
    if code == 429:
        wait = retry_after_seconds(exc)
        hint = (
            f" Wait {wait:g} seconds and try again." if wait is not None else " Wait a minute and try again."
        )
        return RateLimitedError(
            f"The Gemini API rate limit was hit while {action}: {detail}.{hint}", retry_after=wait
        )
    if code in (401, 403) or "API key" in detail or "API_KEY" in str(exc.details):
        if file_name and code in (403, 404) and "key" not in detail.lower():
            return _unknown_file(file_name, detail)
        return AuthenticationError(
            f"The Gemini API rejected the API key while {action}: {detail}. Set a valid key in "
            "GEMINI_API_KEY (or GOOGLE_API_KEY); this cannot be fixed by changing the tool's arguments."
        )
    if code == 404:
        if file_name:
            return _unknown_file(file_name, detail)
        return ConfigurationError(
            f"The Gemini API could not find what was requested while {action}: {detail}. Check the model "
            "name (GEMINI_AUDIO_MODEL) and the base URL (GOOGLE_GEMINI_BASE_URL)."
        )
    if code >= 500:
        return ServiceUnavailableError(
            f"The Gemini API failed on its side while {action} (HTTP {code}): {detail}. Try again later.",
            status=code,
        )
    if code == 408:
        return OperationTimeoutError(
            f"The Gemini API timed out while {action}: {detail}. Try again.", status=code
        )
    return InvalidArgumentError(
        f"The Gemini API rejected the request while {action} (HTTP {code}): {detail}. Change the arguments "
        "(e.g. a shorter range, a supported audio format) and try again."
    )


def _unknown_file(file_name: str, detail: str) -> RemoteFileNotFoundError:
    return RemoteFileNotFoundError(
        f"No file named {file_name!r} on the Gemini Files API ({detail}). It may have been deleted or "
        "expired (files live 48 hours): call list_audio_files to see what exists, or upload the local "
        "audio again with upload_audio."
    )
