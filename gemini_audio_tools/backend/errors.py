"""Translate what the google-genai SDK and httpx raise into the library's one error hierarchy.

The SDK raises ``ClientError`` (4xx) / ``ServerError`` (5xx) carrying the API's error JSON, and lets httpx's
transport errors through. Agents need to know what to do next, so each is mapped to a class that says whether
changing the arguments helps (``caller_fixable``) or waiting does (``retryable``), with a message naming the
operation. :func:`redact` (applied by every ``GeminiAudioError``) keeps the API key out of messages even when
the API echoes a URL or header.

Transport failures are told apart, because each needs a different fix: *cannot connect* (DNS failure,
connection refused, no route: nothing was sent; check the network or ``GOOGLE_GEMINI_BASE_URL``), *connection
lost* (dropped mid-request: try again) and *timed out*. Each message names the host, never the full URL or
headers.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterator
from typing import Any

import httpx
from google.genai import errors as genai_errors

from ..errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConnectionFailedError,
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
_CONNECT_ERRORS = _httpx_classes("ConnectError") + _httpx_classes("ConnectTimeout")

OFFICIAL_HOST = "generativelanguage.googleapis.com"

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


def is_connect_failure(exc: BaseException) -> bool:
    """True when no connection could be made at all (DNS failure, refused, no route): nothing was sent."""
    return isinstance(exc, _CONNECT_ERRORS)


def is_timeout(exc: BaseException) -> bool:
    """True for a transport timeout (connecting, reading, writing or waiting for a pooled connection)."""
    return isinstance(exc, _TIMEOUT_ERRORS)


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


def map_api_error(
    exc: BaseException, *, action: str, file_name: str | None = None, attempts: int = 1
) -> GeminiAudioError:
    """Turn an SDK / transport exception raised while doing ``action`` into a :class:`GeminiAudioError`.

    ``action`` is a short phrase ("uploading speech.wav", "transcribing files/abc") used in the message;
    ``file_name`` marks requests about one Files API file, so a 403/404 means the file is unknown;
    ``attempts`` is how many requests were made (said in the message when more than one).
    Errors that already belong to the hierarchy are returned unchanged.
    """
    if isinstance(exc, GeminiAudioError):
        return exc
    tried = f" ({attempts} attempts)" if attempts > 1 else ""
    if is_connect_failure(exc):
        return _cannot_connect(exc, action, tried)
    if isinstance(exc, _TIMEOUT_ERRORS):
        return OperationTimeoutError(
            f"Timed out while {action}{tried}: {_where(exc)} did not answer in time. Try again, or use a "
            "shorter time range (start/end)."
        )
    if isinstance(exc, _TRANSPORT_ERRORS):
        return ServiceUnavailableError(
            f"The connection to {_where(exc)} was lost while {action}{tried} ({_reason(exc)}). Try again; "
            "if it keeps happening, check the network (a proxy or VPN may cut long requests)."
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


def _cannot_connect(exc: BaseException, action: str, tried: str) -> ConnectionFailedError:
    where = _where(exc)
    causes = list(_causes(exc))
    if any(isinstance(c, socket.gaierror) for c in causes):
        what = f"the host name {_host(exc) or where} could not be resolved (DNS lookup failed)"
    elif any(isinstance(c, ConnectionRefusedError) for c in causes):
        what = f"{where} refused the connection (nothing is listening there)"
    elif isinstance(exc, _TIMEOUT_ERRORS):
        what = f"{where} did not accept the connection in time"
    elif any(isinstance(c, ssl.SSLError) for c in causes):
        what = f"no secure connection to {where} could be made ({_reason(causes[-1])})"
    else:
        what = f"{where} could not be reached ({_reason(causes[-1])})"
    if _host(exc) in (None, OFFICIAL_HOST):
        fix = "Check your network connection (and any proxy or firewall), then try again."
    else:
        fix = (
            "That address comes from GOOGLE_GEMINI_BASE_URL (or --emulator): check it, and that the server "
            "there is running (`gemini-audio emulator` serves the offline emulator)."
        )
    return ConnectionFailedError(
        f"Cannot connect to the Gemini API while {action}{tried}: {what}. Nothing was sent. {fix}"
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from, outermost first (cycles cut)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _host(exc: BaseException) -> str | None:
    try:
        host = exc.request.url.host  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):  # httpx raises RuntimeError when no request is attached
        return None
    return str(host) if host else None


def _where(exc: BaseException) -> str:
    """``host[:port]`` of the request that failed (never its path, query or headers), or "the Gemini API"."""
    host = _host(exc)
    if host is None:
        return "the Gemini API"
    port = exc.request.url.port  # type: ignore[attr-defined]
    return host if port is None else f"{host}:{port}"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".")
    return text or type(exc).__name__


def _unknown_file(file_name: str, detail: str) -> RemoteFileNotFoundError:
    return RemoteFileNotFoundError(
        f"No file named {file_name!r} on the Gemini Files API ({detail}). It may have been deleted or "
        "expired (files live 48 hours): call list_audio_files to see what exists, or upload the local "
        "audio again with upload_audio."
    )
