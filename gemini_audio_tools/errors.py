"""One error hierarchy for the whole library.

Every message is written for the model that called the tool: it says what was wrong and what to do next.
Two questions split the hierarchy, and adapters read them from the class:

* ``caller_fixable`` — can the caller succeed by calling again with different arguments? (a bad path, a
  time range past the end, an unknown file name). Anything else is for a human or for later.
* ``retryable`` — may the *same* call succeed later? (rate limits, 5xx, timeouts).

A third flag, ``blocks_everything``, marks failures every later remote call would repeat (no key, a rejected
key, no connection to the API): a script running several steps stops at the first instead of repeating it.

Adapters never build their own messages: the LangChain adapter raises ``ToolException(str(err))``, the MCP
adapter returns a tool error with ``str(err)``, the CLI prints it to stderr. The API key never appears in a
message: :func:`redact` is applied to every message built from text that came from outside.
"""

from __future__ import annotations

import os
import re
from typing import ClassVar

_KEY_PATTERN = re.compile(r"AIza[0-9A-Za-z_\-]{20,}")


def redact(text: str) -> str:
    """Remove anything that looks like a Google API key, and the configured keys themselves, from ``text``."""
    for var in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
        value = os.environ.get(var)
        if value and len(value) >= 4:
            text = text.replace(value, "[redacted]")
    return _KEY_PATTERN.sub("[redacted]", text)


class GeminiAudioError(Exception):
    """Base of every error this library raises on purpose. ``str(err)`` is safe to show to a model."""

    caller_fixable: ClassVar[bool] = False
    retryable: ClassVar[bool] = False
    blocks_everything: ClassVar[bool] = False
    """Every later call to the API would fail the same way until a human acts (key, network, base URL)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    @property
    def message(self) -> str:
        return str(self)


# --- the caller can fix these by changing the arguments -------------------------------------------------


class InvalidArgumentError(GeminiAudioError):
    """An argument is malformed or out of range; the message names it and says what is accepted."""

    caller_fixable = True


class InvalidTimeRangeError(InvalidArgumentError):
    """A time code could not be parsed, or start/end do not fit the audio (e.g. end past the end)."""


class PathNotAllowedError(InvalidArgumentError):
    """A local path resolves (symlinks included) outside the allowed directories."""


class AudioFileNotFoundError(InvalidArgumentError):
    """A local path does not exist or is not a regular file."""


class UnsupportedAudioError(InvalidArgumentError):
    """The bytes are not audio in a format Gemini accepts (checked by content, not by extension)."""


class CorruptAudioError(InvalidArgumentError):
    """The file claims to be audio but cannot be decoded (truncated, empty, damaged)."""


class RemoteFileNotFoundError(InvalidArgumentError):
    """A ``files/…`` name is unknown to the API, was deleted, or has expired (files live 48 hours)."""


class UnavailableModelError(InvalidArgumentError):
    """The model asked for is shut down or unknown to the API; the message names one to use instead."""


class BatchNotFoundError(InvalidArgumentError):
    """A ``batches/…`` name is unknown to the Batch API, or the batch was deleted."""


class CachedContentNotFoundError(InvalidArgumentError):
    """A ``cachedContents/…`` name is unknown, deleted or expired (caches live until their TTL ends)."""


class LocalAudioRequiredError(InvalidArgumentError):
    """The operation needs the local bytes (e.g. inspect_audio) but a remote ``files/…`` name was given."""


class UrlNotAllowedError(InvalidArgumentError):
    """A URL is not fetched: a scheme other than http(s), or its host (or a redirect's) is, or resolves to, a
    loopback, private, link-local, metadata or otherwise non-public address outside the allowed hosts."""


class DownloadError(InvalidArgumentError):
    """A URL cannot be downloaded as given: a 4xx answer, an unknown host, a redirect loop, a TLS failure."""


class DownloadTooLargeError(DownloadError):
    """A URL's body is (or announces itself as) larger than the download cap."""


class DownloadUnavailableError(DownloadError):
    """Downloading a URL failed for now: 5xx/429, no connection, a timeout, too slow, a dropped connection."""

    caller_fixable = False
    retryable = True


# --- configuration: a human must act ---------------------------------------------------------------------


class ConfigurationError(GeminiAudioError):
    """The library is not configured to do this (no API key, key rejected, bad base URL or model)."""


class AuthenticationError(ConfigurationError):
    """The API rejected the key, or no key is set."""

    blocks_everything = True


# --- the remote side ------------------------------------------------------------------------------------


class ApiError(GeminiAudioError):
    """The Gemini API answered with an error that is neither the caller's fault nor transient."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimitedError(ApiError):
    """429 from the API after our own retries; try again after ``retry_after`` seconds."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class ServiceUnavailableError(ApiError):
    """5xx or a dropped connection, after our own retries."""

    retryable = True


class ConnectionFailedError(ServiceUnavailableError):
    """No connection to the API could be made (DNS failure, connection refused, no route): nothing was sent.

    Not ``retryable``: the same call fails until the network or ``GOOGLE_GEMINI_BASE_URL`` is fixed.
    """

    retryable = False
    blocks_everything = True


class OperationTimeoutError(ApiError):
    """A request, or waiting for an uploaded file to become ACTIVE, took longer than the configured bound."""

    retryable = True


class RemoteFileFailedError(ApiError):
    """The Files API could not process an uploaded file (FAILED); re-uploading the same bytes won't help."""
