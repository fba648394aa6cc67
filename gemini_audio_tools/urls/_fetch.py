"""Downloading a URL to a temporary file, or only its first bytes, following checked redirects.

Decisions (and why):
* **Redirects are followed here, one at a time** (at most :data:`REDIRECT_LIMIT`), so each new URL goes
  through the same scheme and address rules as the first; a URL seen before is a loop and an error.
  Credentials from the URL (``user:pass@``) are sent only to the URL's own origin.
* **Size:** a ``Content-Length`` over the cap is refused before a byte of body is read; a body without one
  is stopped the moment it passes the cap.
* **Time:** connect and read timeouts, a minimum average speed (a server trickling a byte every few seconds
  keeps each read alive but is still stopped) and a deadline for the whole transfer.
* **Nothing left behind:** the temporary file exists only inside :func:`download`'s ``async with``; it is
  removed on exit, on error and on cancellation.
* The server's ``Content-Type`` is reported, never trusted: :func:`sniff_fetched` reads the bytes.
"""

from __future__ import annotations

import base64
import contextlib
import re
import ssl
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin

import anyio
import anyio.to_thread

from ..config import DEFAULT_MAX_DOWNLOAD_BYTES
from ..errors import (
    CorruptAudioError,
    DownloadError,
    DownloadTooLargeError,
    DownloadUnavailableError,
    UnsupportedAudioError,
    UrlNotAllowedError,
)
from ..sizes import format_size
from ._answers import REDIRECTS, status_error
from ._network import Network, Resolver, Timeouts, system_resolver
from ._policy import AllowedHost, Target, parse_target

if TYPE_CHECKING:
    from ._http import Exchange

REDIRECT_LIMIT = 5
HEAD_BYTES = 8192
"""Default :func:`fetch_head` length: what the audio sniffer reads."""
DEFAULT_TIMEOUTS = Timeouts()
HEAD_TIMEOUTS = Timeouts(total=60.0)

DownloadProgress = Callable[[int, int | None], Awaitable[None]]
"""``async (bytes_so_far, total_or_None)``, called as the body arrives (about every 1 % or 1 MiB)."""

_FLUSH_BYTES = 1024 * 1024


@dataclass(frozen=True)
class DownloadedFile:
    """A URL's body in a temporary file, valid only inside :func:`download`'s ``async with``."""

    path: Path
    size: int
    url: str
    """The final URL (after redirects), redacted: safe to show."""
    content_type: str | None
    """What the server declared (lowercase, no parameters): a hint, never evidence of the format."""
    redirects: int


@dataclass(frozen=True)
class UrlHead:
    """The first bytes of a URL's body (:func:`fetch_head`)."""

    data: bytes
    size: int | None
    """The whole body's size when known (``Content-Range``, ``Content-Length``, or it was all read)."""
    url: str
    """The final URL (after redirects), redacted."""
    content_type: str | None


@contextlib.asynccontextmanager
async def download(
    url: str,
    *,
    allowed_hosts: Sequence[AllowedHost] = (),
    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    progress: DownloadProgress | None = None,
    temp_dir: Path | None = None,
    resolver: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[DownloadedFile]:
    """Download ``url`` into a temporary file that lives for the ``async with`` block.

    ``allowed_hosts`` are the only non-public hosts reached; ``resolver`` replaces the system's DNS (tests);
    ``temp_dir`` is where the file is written (default: the system's temp dir).

    Raises:
        UrlNotAllowedError: a scheme other than http(s), or the URL or a redirect reaches a non-public
            address that is not allowed.
        DownloadTooLargeError: the body is (or announces itself as) larger than ``max_bytes``.
        DownloadError: a 4xx answer, an unknown host name, a redirect loop or too many redirects, TLS failure.
        DownloadUnavailableError: 5xx/429, no connection, a timeout, too slow, or the connection dropped.
    """
    net = Network(tuple(allowed_hosts), timeouts, resolver or system_resolver, ssl_context)
    first = parse_target(url, net.allowed_hosts)
    path: Path | None = None
    try:
        with _deadline(first, timeouts.total):
            exchange, final, redirects = await _follow(first, [], net, ok=(200, 203))
            try:
                exchange.head.refuse_encoded(_label(first, final))
                declared = exchange.head.content_length
                if declared is not None and declared > max_bytes:
                    raise DownloadTooLargeError(
                        f"{_label(first, final)} is {format_size(declared)} (Content-Length), more than the "
                        f"{format_size(max_bytes)} download limit (GEMINI_AUDIO_MAX_DOWNLOAD_BYTES). Pass a "
                        "smaller file, or raise the limit."
                    )
                fd, name = tempfile.mkstemp(prefix="gemini-audio-download-", dir=temp_dir)
                path = saved = Path(name)
                size = await _save(
                    exchange, fd, _label(first, final), declared, max_bytes, timeouts, progress
                )
            finally:
                await exchange.aclose()
        fetched = DownloadedFile(saved, size, final.shown, exchange.head.content_type, redirects)
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    try:
        yield fetched
    finally:
        saved.unlink(missing_ok=True)


async def fetch_head(
    url: str,
    n: int = HEAD_BYTES,
    *,
    allowed_hosts: Sequence[AllowedHost] = (),
    timeouts: Timeouts = HEAD_TIMEOUTS,
    resolver: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> UrlHead:
    """The first ``n`` bytes of ``url``'s body, asked for with a Range request (a server that ignores Range
    is read for ``n`` bytes and hung up on), so the format can be sniffed without a download.

    Raises:
        The same errors as :func:`download` (except :class:`DownloadTooLargeError`).
    """
    net = Network(tuple(allowed_hosts), timeouts, resolver or system_resolver, ssl_context)
    first = parse_target(url, net.allowed_hosts)
    with _deadline(first, timeouts.total):
        exchange, final, _ = await _follow(
            first, [("Range", f"bytes=0-{n - 1}")], net, ok=(200, 203, 206, 416)
        )
        if exchange.head.status == 416 or (
            exchange.head.status == 206 and not exchange.head.range_from_start
        ):
            await exchange.aclose()  # an empty file, or a range we did not ask for: read it plainly
            exchange, final, _ = await _follow(first, [], net, ok=(200, 203))
        try:
            exchange.head.refuse_encoded(_label(first, final))
            data = bytearray()
            async with contextlib.aclosing(exchange.body()) as chunks:
                async for chunk in chunks:
                    data += chunk
                    if len(data) >= n:
                        break
                else:
                    return UrlHead(bytes(data), len(data), final.shown, exchange.head.content_type)
        finally:
            await exchange.aclose()
    size = exchange.head.range_total if exchange.head.status == 206 else exchange.head.content_length
    return UrlHead(bytes(data[:n]), size, final.shown, exchange.head.content_type)


def sniff_fetched(fetched: DownloadedFile | UrlHead) -> str:
    """What a download or a head is, by content (``audio.sniff_bytes``: "mp3", "m4a", "webm", ...); the
    server's Content-Type is ignored.

    Raises:
        UnsupportedAudioError: surely not audio (e.g. "… is an HTML page …, not audio"), with the redacted
            URL in the message.
        CorruptAudioError: empty, or an audio header cut short.
    """
    from ..audio import sniff_bytes, sniff_file  # PyAV behind it: only when needed

    try:
        if isinstance(fetched, DownloadedFile):
            return sniff_file(fetched.path)
        size = fetched.size if fetched.size is not None else 2**62  # unknown: never judge it truncated
        return sniff_bytes(fetched.data, size)
    except (UnsupportedAudioError, CorruptAudioError) as err:
        shown = f" ({format_size(fetched.size)})" if fetched.size is not None else ""
        message = re.sub(r"^(?:The data|'[^']*') \([^)]*\)", f"The file at {fetched.url}{shown}", str(err))
        raise type(err)(message) from None


async def _follow(
    first: Target, extra: list[tuple[str, str]], net: Network, *, ok: tuple[int, ...]
) -> tuple[Exchange, Target, int]:
    """GET ``first``, following redirects; the open exchange whose status is in ``ok``, its URL, the hops."""
    from ._http import Exchange  # h11 and TLS: imported on the first download, not with the package

    target, seen = first, {(first.origin, first.target)}
    for redirects in range(REDIRECT_LIMIT + 1):
        headers = list(extra)
        credentials = target.userinfo or (first.userinfo if target.origin == first.origin else None)
        if credentials:
            token = base64.b64encode(unquote(credentials).encode()).decode("ascii")
            headers.append(("Authorization", f"Basic {token}"))
        label = _label(first, target)
        exchange = await Exchange.open(target, headers, label, net)
        status, location = exchange.head.status, exchange.head.headers.get("location")
        if status in ok:
            return exchange, target, redirects
        await exchange.aclose()
        if status not in REDIRECTS or not location:
            raise status_error(label, status)
        next_url = urljoin(f"{target.scheme}://{target.host_header}{target.target}", location.strip())
        try:
            target = parse_target(next_url, net.allowed_hosts)
        except UrlNotAllowedError as err:
            raise UrlNotAllowedError(
                f"{first.shown} redirected to a URL that is not fetched: {err}"
            ) from None
        if (target.origin, target.target) in seen:
            raise DownloadError(
                f"{first.shown} redirects in a loop (back to {target.shown}); the server may want a login or "
                "cookies this tool does not have. Pass the audio file's own URL."
            )
        seen.add((target.origin, target.target))
    raise DownloadError(
        f"{first.shown} redirected more than {REDIRECT_LIMIT} times (last to {target.shown}); pass the audio "
        "file's own URL."
    )


async def _save(
    exchange: Exchange,
    fd: int,
    label: str,
    declared: int | None,
    max_bytes: int,
    timeouts: Timeouts,
    progress: DownloadProgress | None,
) -> int:
    """Stream the body into ``fd`` (closed here), enforcing the size cap and the minimum speed."""
    step = max(_FLUSH_BYTES, (declared or 0) // 100)
    size = reported = pending = 0
    pieces: list[bytes] = []
    started = anyio.current_time()
    with open(fd, "wb") as handle:
        if progress is not None:
            await progress(0, declared)
        async with contextlib.aclosing(exchange.body()) as chunks:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise DownloadTooLargeError(
                        f"{label} sent more than the {format_size(max_bytes)} download limit "
                        "(GEMINI_AUDIO_MAX_DOWNLOAD_BYTES) without announcing its size; stopped there. "
                        "Pass a smaller file, or raise the limit."
                    )
                elapsed = anyio.current_time() - started
                if elapsed > timeouts.read and size / elapsed < timeouts.min_bytes_per_second:
                    raise DownloadUnavailableError(
                        f"{label} arrives too slowly ({size / elapsed:.0f} bytes/s after {elapsed:.0f} s; at "
                        f"least {timeouts.min_bytes_per_second:.0f} bytes/s are needed). Try again later."
                    )
                pieces.append(chunk)
                pending += len(chunk)
                if pending >= _FLUSH_BYTES:  # one write per MiB, off the event loop
                    await anyio.to_thread.run_sync(handle.write, b"".join(pieces))
                    pieces.clear()
                    pending = 0
                if progress is not None and size - reported >= step:
                    reported = size
                    await progress(size, declared)
        await anyio.to_thread.run_sync(handle.write, b"".join(pieces))
    if progress is not None:
        await progress(size, size)
    return size


@contextlib.contextmanager
def _deadline(first: Target, seconds: float) -> Iterator[None]:
    try:
        with anyio.fail_after(seconds):
            yield
    except TimeoutError:
        raise DownloadUnavailableError(
            f"{first.shown} took longer than {seconds:g} s to download (the overall deadline). Try again "
            "later, or pass a smaller file."
        ) from None


def _label(first: Target, current: Target) -> str:
    return first.shown if current is first else f"{first.shown} (redirected to {current.shown})"
