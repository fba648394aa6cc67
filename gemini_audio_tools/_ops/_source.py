"""The one path every operation's ``audio`` argument takes: resolve, probe, range.

* **Resolve**: a local path (resolved completely, inside the allowed directories), a Files API name/URI, or
  an http(s) URL, downloaded (SSRF-guarded, capped, removed afterwards: :mod:`..urls`) because the API
  documents no audio content type for URL input (docs/urls.md).
* **Probe**: a local file's facts (format, exact duration) from its headers; a remote file's duration from
  the upload cache, else from a free countTokens call (32 tokens per second).
* **Range**: ``start``/``end`` checked against that duration, as one :class:`~..timecode.Span`. A local file
  is cut to it (``method='clip'``, exact); a remote file cannot be cut, so the model hears all of it and is
  told which part to use (``method='prompt'``, approximate, the whole file billed; notes say so) — unless
  the upload cache knows the local file it came from, unchanged, in which case that file is cut instead.

What is then sent for a span (the file itself, a clip, a transcode) is :mod:`._wire`'s business. New kinds of
input plug in here and nowhere else.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from google.genai import types

from ..audio import AudioInfo, probe_audio
from ..audio.profiles import must_transcode
from ..backend.client import Backend
from ..backend.generate import count_tokens, remote_part
from ..backend.model_choice import choose_model
from ..backend.uploads import get_file, wait_until_active
from ..context import RunContext
from ..errors import GeminiAudioError, InvalidTimeRangeError, LocalAudioRequiredError
from ..hashing import sha256_of_user_file
from ..paths import is_remote_file_ref, normalize_file_name, resolve_local_audio
from ..progress import ProgressEvent
from ..schemas import AudioRange
from ..timecode import Span, parse_timecode, resolve_range
from ..tokens import AUDIO_TOKENS_PER_SECOND
from ..urls import UrlNotAllowedError, download, is_url, parse_allowed_host, redact_url

Method = Literal["whole", "clip", "prompt"]

PROMPT_RANGE_NOTE = (
    "The audio exists only as a remote file, so the range was applied by instructing the model "
    "(approximate: timestamps and boundaries may be off by a few seconds, and the whole file was billed). "
    "Pass the local file path instead for an exact cut."
)
TIMED_RANGE_NOTE = (
    "The audio exists only as a remote file, so all of it was transcribed (and billed) and the transcript "
    "was cut to the range by its times. Pass the local file path instead to send and bill only the range."
)


@dataclass(frozen=True)
class LocalAudio:
    """Local bytes and their probed facts: the user's file, or a download of ``url``."""

    path: Path
    info: AudioInfo
    url: str | None = None
    """The URL the bytes were downloaded from (credentials redacted); None for the user's own file."""

    @property
    def name(self) -> str:
        """What to call it in messages: the file's name, or the URL's last path part."""
        if self.url is None:
            return self.path.name
        return self.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or self.url

    @property
    def local(self) -> bool:
        """True for the user's own file (it stays; a download does not)."""
        return self.url is None

    @property
    def duration_seconds(self) -> float:
        return self.info.duration_seconds


@dataclass(frozen=True)
class RemoteAudio:
    """An ACTIVE Files API file and its duration (from the upload cache or countTokens)."""

    file: types.File
    duration_seconds: float
    counted_tokens: int | None = None
    """The audio tokens countTokens reported, when the duration was measured that way (no cache entry)."""

    @property
    def name(self) -> str:
        return self.file.name or ""


Source = LocalAudio | RemoteAudio


@dataclass(frozen=True)
class Selection:
    """What a call works on: a source and the span of its timeline to use."""

    source: Source
    span: Span

    @property
    def method(self) -> Method:
        """'whole' (nothing to cut), 'clip' (cut locally, exact) or 'prompt' (remote, the model is told)."""
        if self.span.covers(self.source.duration_seconds):
            return "whole"
        return "clip" if isinstance(self.source, LocalAudio) else "prompt"

    @property
    def range(self) -> AudioRange:
        """The span as the outputs report it."""
        return AudioRange(start_seconds=self.span.start, end_seconds=self.span.end, method=self.method)

    def notes(self, *, cut_by_times: bool = False) -> list[str]:
        """What the caller must know about the audio and how the range was honoured; ``cut_by_times`` when a
        remote file's range is taken from a timed transcript of all of it rather than asked of the model."""
        notes = []
        source = self.source
        if isinstance(source, LocalAudio):
            info = source.info
            if must_transcode(info):
                kind = f"{(info.container or info.format).upper()} with {info.codec}"
                notes.append(
                    f"{source.name} ({kind}) is not a format the Gemini API takes, so it was converted on "
                    "this machine before sending."
                )
            if info.audio_tracks > 1:
                notes.append(
                    f"{source.name} has {info.audio_tracks} audio tracks; track {info.track} was used (pass "
                    "track=N, 0-based, for another)."
                )
        if self.method == "prompt":
            notes.append(TIMED_RANGE_NOTE if cut_by_times else PROMPT_RANGE_NOTE)
        return notes

    def at(self, span: Span) -> Selection:
        """The same source, another span of it (a chunk, or the rest after a cursor)."""
        return replace(self, span=span)

    def from_cursor(self, cursor: str | None) -> Selection:
        """The selection from ``cursor`` (a time code from a previous page) to the end of the span.

        Raises:
            InvalidTimeRangeError: the cursor is unparseable or outside the span.
        """
        if cursor is None:
            return self
        at = parse_timecode(cursor)
        if not self.span.start <= at < self.span.end:
            raise InvalidTimeRangeError(
                f"cursor {cursor!r} is outside the range being transcribed; pass the next_cursor value "
                "returned by the previous call with the same audio, start and end."
            )
        return self if math.isclose(at, self.span.start) else self.at(Span(at, self.span.end))


@asynccontextmanager
async def select_audio(
    audio: str,
    start: str | None,
    end: str | None,
    ctx: RunContext,
    *,
    backend: Backend | None = None,
    local_only: str | None = None,
    track: int | None = None,
) -> AsyncIterator[Selection]:
    """Resolve and probe ``audio`` and check ``start``/``end`` against it, for the ``async with`` block.

    ``local_only`` names the operation when it needs local bytes (a remote name is then refused with a
    message saying what to call instead). Local checks run before anything remote, so a bad path or range
    is reported even when no key is configured. ``track`` picks an audio track of a file with several.
    A URL is downloaded for the block and removed after it.

    Raises:
        PathNotAllowedError, AudioFileNotFoundError, UnsupportedAudioError, CorruptAudioError: bad local file
            (or download).
        UrlNotAllowedError, DownloadError, DownloadTooLargeError, DownloadUnavailableError: a URL that may
            not, or could not, be fetched.
        LocalAudioRequiredError: a remote name where ``local_only`` asks for local bytes.
        RemoteFileNotFoundError, RemoteFileFailedError: unknown or FAILED ``files/…`` file.
        AuthenticationError: a remote file was named but no key is configured.
        InvalidTimeRangeError: start/end do not parse or do not fit the audio.
    """
    if is_remote_file_ref(audio):
        if local_only:
            raise LocalAudioRequiredError(
                f"{local_only} reads local files only, and {audio.strip()!r} is a Files API file. Call "
                "count_audio_tokens with this name to learn its length and token cost, or pass a local path."
            )
        yield await _remote_selection(audio, start, end, ctx, backend or Backend.from_settings(ctx.settings))
        return
    if is_url(audio):
        async with _downloaded(audio.strip(), ctx) as (path, shown):
            try:
                source = await _probe(path, track, url=shown)
            except GeminiAudioError as err:  # it names the temporary file, which means nothing to the caller
                raise type(err)(str(err).replace(f"'{path.name}'", shown)) from None
            yield Selection(source, resolve_range(start, end, source.duration_seconds))
        return
    source = await _probe(resolve_local_audio(audio, ctx.settings.allowed_dirs), track)
    yield Selection(source, resolve_range(start, end, source.duration_seconds))


async def _probe(path: Path, track: int | None = None, *, url: str | None = None) -> LocalAudio:
    return LocalAudio(path=path, info=await asyncio.to_thread(probe_audio, path, track), url=url)


@asynccontextmanager
async def _downloaded(url: str, ctx: RunContext) -> AsyncIterator[tuple[Path, str]]:
    """``url`` downloaded to a temporary file for the block, with its redacted form for messages."""
    settings = ctx.settings
    shown = redact_url(url)
    if not settings.urls:
        raise UrlNotAllowedError(
            f"URL input is turned off on this server, so {shown} cannot be used. Pass a local path or a "
            "Files API name (files/...) instead."
        )
    hosts = tuple(parse_allowed_host(entry) for entry in settings.allowed_hosts)

    async def progress(done: int, total: int | None) -> None:
        await ctx.report(ProgressEvent("download", done, total, "bytes", subject=shown))

    cap = settings.max_download_bytes
    async with download(url, allowed_hosts=hosts, max_bytes=cap, progress=progress) as fetched:
        yield fetched.path, shown


async def _remote_selection(
    audio: str, start: str | None, end: str | None, ctx: RunContext, backend: Backend
) -> Selection:
    name = normalize_file_name(audio)
    file = await wait_until_active(backend, await get_file(backend, name))
    entry = backend.cache.find_name(name)
    if entry is not None and entry.duration_seconds:
        source = RemoteAudio(file, entry.duration_seconds)
    else:
        model = choose_model(None, ctx.settings, "general")
        tokens = await count_tokens(
            backend, [remote_part(file)], model=model, action=f"measuring {name}", file_name=name
        )
        source = RemoteAudio(file, tokens / AUDIO_TOKENS_PER_SECOND, counted_tokens=tokens)
    selection = Selection(source, resolve_range(start, end, source.duration_seconds))
    if selection.method == "prompt":
        local = await _local_original(backend, name, ctx)
        if local is not None:  # the same bytes are still here: cut exactly instead of asking the model
            return Selection(local, resolve_range(start, end, local.duration_seconds))
    return selection


async def _local_original(backend: Backend, name: str, ctx: RunContext) -> LocalAudio | None:
    """The local file a remote file was uploaded from, if the cache remembers it, it is still inside the
    allowed directories and its bytes are unchanged (same sha256); else None."""
    entry = backend.cache.find_name(name)
    if entry is None or entry.source_path is None:
        return None
    try:
        path = resolve_local_audio(entry.source_path, ctx.settings.allowed_dirs)
        if await asyncio.to_thread(sha256_of_user_file, path) != (entry.source_sha256 or entry.sha256):
            return None
        return await _probe(path)
    except (GeminiAudioError, OSError):
        return None
