"""URL input for the ``audio`` argument: an SSRF-safe downloader, and the rules for passing URLs to the API.

An agent often holds a URL rather than a file: a podcast enclosure, a signed S3 link. A model can also be
talked into asking for ``http://169.254.169.254/…`` or an intranet page, so a URL is fetched only when
every address it reaches is public, or the user allowed that host (``GEMINI_AUDIO_ALLOWED_HOSTS``,
``--allow-host``): checked after DNS resolution, on every redirect, and on the very address connected to.

Routing an ``audio`` value: ``paths.is_remote_file_ref`` first (``files/<id>`` and Files API URIs such as
``https://generativelanguage.googleapis.com/v1beta/files/<id>`` are uploaded files, not downloads), then
:func:`is_url` (every ``scheme://`` text, so ``ftp:`` or ``file:`` get a clear refusal), else a local path.

Use::

    check_url(url, allowed_hosts)            # may the Gemini API be handed the URL itself? (pure)
    head = await fetch_head(url, allowed_hosts=...)      # first 8 KB, to sniff cheaply
    async with download(url, allowed_hosts=..., max_bytes=..., progress=...) as fetched:
        sniff_fetched(fetched)               # by content: HTML served as audio/mpeg is refused
        ...                                  # fetched.path is removed when the block ends

Every URL in a message, log or output goes through :func:`redact_url` (no ``user:pass@``, no query values).
The errors it raises (from :mod:`gemini_audio_tools.errors`) are re-exported here.
See docs/urls.md for the API's documented URL limits and the behaviour.
"""

from __future__ import annotations

from ..config import DEFAULT_MAX_DOWNLOAD_BYTES
from ..errors import DownloadError, DownloadTooLargeError, DownloadUnavailableError, UrlNotAllowedError
from ._addresses import IPAddress, blocked_reason
from ._config import parse_allowed_host
from ._fetch import (
    HEAD_BYTES,
    REDIRECT_LIMIT,
    DownloadedFile,
    DownloadProgress,
    UrlHead,
    download,
    fetch_head,
    sniff_fetched,
)
from ._network import Resolver, Timeouts, system_resolver
from ._policy import AllowedHost, UrlCheck, check_url, is_url, redact_url

__all__ = [
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "HEAD_BYTES",
    "REDIRECT_LIMIT",
    "AllowedHost",
    "DownloadError",
    "DownloadProgress",
    "DownloadTooLargeError",
    "DownloadUnavailableError",
    "DownloadedFile",
    "IPAddress",
    "Resolver",
    "Timeouts",
    "UrlCheck",
    "UrlHead",
    "UrlNotAllowedError",
    "blocked_reason",
    "check_url",
    "download",
    "fetch_head",
    "is_url",
    "parse_allowed_host",
    "redact_url",
    "sniff_fetched",
    "system_resolver",
]
