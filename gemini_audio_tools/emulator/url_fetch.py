"""Fetching ``fileData.fileUri`` parts that are external http(s) URLs, as the real API fetches public URLs.

The bytes become an inline part, so the usual MIME and decoding checks follow. The fetch is bounded in size
(``EmulatorSettings.max_url_fetch_bytes``, the API's 100 MB) and time (``url_fetch_timeout_seconds``), and
goes through the library's SSRF-safe downloader: public hosts and loopback only. Loopback is allowed because
the emulator is a test double on the tester's own machine (tests serve files from 127.0.0.1); a private,
link-local or metadata address is refused as unreachable, as it is for Google's fetcher.

Errors, as the real service words them where known: an unreachable URL (DNS, refused, 4xx/5xx, timeout,
non-public address) is **400 INVALID_ARGUMENT** "Cannot fetch content from the provided URL." (seen in
googleapis/js-genai#1385); a body over the limit is the API's payload-size error (its wording for URLs is
undocumented).
"""

from __future__ import annotations

import dataclasses

import anyio.to_thread

from ..urls import AllowedHost, DownloadError, DownloadTooLargeError, Timeouts, UrlNotAllowedError, download
from .contents import MediaPart
from .errors import ApiError, invalid_argument, payload_too_large
from .state import EmulatorState

LOOPBACK = (AllowedHost("127.0.0.1"), AllowedHost("::1"), AllowedHost("localhost"))


def cannot_fetch() -> ApiError:
    return invalid_argument("Cannot fetch content from the provided URL.")


async def fetch_url_part(part: MediaPart, state: EmulatorState) -> MediaPart:
    """``part`` (which has a ``url``) with the URL's body as inline ``data``; its MIME type is the part's
    ``mimeType``, else the served ``Content-Type``.

    Raises:
        ApiError: 400 "Cannot fetch content from the provided URL." or 400 for a body over the limit.
    """
    assert part.url is not None
    settings = state.settings
    total = settings.url_fetch_timeout_seconds
    timeouts = Timeouts(connect=min(10.0, total), read=min(30.0, total), total=total)
    try:
        async with download(
            part.url,
            allowed_hosts=LOOPBACK,
            max_bytes=settings.max_url_fetch_bytes,
            timeouts=timeouts,
            temp_dir=state.root,
        ) as fetched:
            data = await anyio.to_thread.run_sync(fetched.path.read_bytes)
    except DownloadTooLargeError:
        raise payload_too_large(settings.max_url_fetch_bytes) from None
    except (UrlNotAllowedError, DownloadError):
        raise cannot_fetch() from None
    mime_type = part.mime_type or fetched.content_type or ""
    return dataclasses.replace(part, data=data, mime_type=mime_type, url=None)
