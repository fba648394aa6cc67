"""Uploads through the Files API: deduplicated by content, waited on until usable, never left half done.

Identical bytes are uploaded once: the cache maps their sha256 to the remote file, and an entry is reused only
after a GET shows the file still exists, is ACTIVE (or becomes so) and is not about to expire. A fresh upload
is polled until ACTIVE within ``Settings.file_active_timeout_seconds``; if it FAILS or never gets there it is
deleted, so nobody finds a useless file later.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from google.genai import types

from ..context import RunContext
from ..errors import (
    InvalidArgumentError,
    OperationTimeoutError,
    RemoteFileFailedError,
    RemoteFileNotFoundError,
)
from ..hashing import sha256_file, sha256_of_user_file
from ..progress import ProgressEvent, shown_name, upload_reader
from ..schemas import AudioFile
from ..sizes import format_size
from .cache import EXPIRY_MARGIN, CacheEntry, utc_now
from .client import Backend
from .errors import is_connect_failure, is_transport_error
from .retry import with_retries

_POLL_FIRST, _POLL_MAX = 0.1, 2.0
_ADOPT_POLL = 0.25
MAX_FILE_BYTES = 2 * 1024**3
"""The Files API's per-file limit: larger files are refused before a byte is hashed or sent."""


@dataclass(frozen=True)
class WireAudio:
    """Bytes on disk ready to send: what they are, and what to remember about them once uploaded."""

    path: Path
    mime_type: str
    duration_seconds: float | None = None
    display_name: str | None = None
    """Shown in the Files API (and in progress): the user's file name, never a temporary one."""
    origin: Path | None = None
    """The user's local file these bytes come from (None for a download), so a later range of the uploaded
    copy can be cut from it exactly."""
    encoding: str | None = None
    """How the bytes were made from ``origin`` (profile, range, track), or None: they are ``origin`` itself.
    With ``origin``, it keys the upload cache, so the same encoding of the same file is never sent twice."""

    @property
    def size_bytes(self) -> int:
        return self.path.stat().st_size

    def with_display_name(self, display_name: str) -> WireAudio:
        return replace(self, display_name=display_name)


@dataclass(frozen=True)
class Upload:
    """A usable remote file, and whether an earlier upload was reused."""

    file: types.File
    sha256: str
    reused: bool
    duration_seconds: float | None = None


def state_of(file: types.File) -> str:
    state = file.state.value if file.state is not None else "STATE_UNSPECIFIED"
    return state if state in ("PROCESSING", "ACTIVE", "FAILED") else "STATE_UNSPECIFIED"


def to_audio_file(
    file: types.File,
    *,
    sha256: str | None = None,
    duration_seconds: float | None = None,
    reused: bool = False,
) -> AudioFile:
    """The contract's view of a Files API file."""
    expires = file.expiration_time
    return AudioFile(
        name=file.name or "",
        uri=file.uri or "",
        display_name=file.display_name,
        mime_type=file.mime_type or "application/octet-stream",
        size_bytes=file.size_bytes or 0,
        sha256=sha256 or _hex_sha256(file.sha256_hash),
        duration_seconds=duration_seconds,
        state=state_of(file),
        expires_at=expires.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
        if expires
        else None,
        reused=reused,
    )


def _hex_sha256(value: str | None) -> str | None:
    """The API reports sha256Hash base64-encoded — of the hex digest's text, as the real service sends it (or,
    defensively, of the raw 32-byte digest); the contract speaks hex."""
    if not value:
        return None
    import base64
    import binascii

    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value.lower() if _is_hex_digest(value) else None
    if len(raw) == 32:
        return raw.hex()
    text = raw.decode("ascii", errors="replace").lower()
    return text if _is_hex_digest(text) else None


def _is_hex_digest(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text)


async def get_file(backend: Backend, name: str) -> types.File:
    """GET one file.

    Raises:
        RemoteFileNotFoundError: no such file (deleted, expired or never existed).
        GeminiAudioError: other API failures, after retries.
    """
    return await with_retries(
        lambda: backend.client.aio.files.get(name=name),
        backend.retry,
        action=f"looking up {name}",
        file_name=name,
    )


async def wait_until_active(backend: Backend, file: types.File) -> types.File:
    """Poll ``file`` until it is ACTIVE.

    Raises:
        RemoteFileFailedError: the Files API could not process it.
        OperationTimeoutError: still not ACTIVE after ``file_active_timeout_seconds``.
    """
    name = file.name or ""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + backend.settings.file_active_timeout_seconds
    interval = _POLL_FIRST
    while True:
        state = state_of(file)
        if state == "ACTIVE":
            return file
        if state == "FAILED":
            reason = file.error.message if file.error and file.error.message else "no reason given"
            raise RemoteFileFailedError(
                f"The Files API could not process {name} ({reason}). The audio is probably damaged or in a "
                "format Gemini does not accept; check it with inspect_audio or convert it (e.g. to FLAC)."
            )
        if loop.time() >= deadline:
            raise OperationTimeoutError(
                f"{name} was still {state} after {backend.settings.file_active_timeout_seconds:g} s of "
                "waiting for the Files API to process it. Try again later; a shorter range uploads less."
            )
        await asyncio.sleep(min(interval, max(0.0, deadline - loop.time())))
        interval = min(interval * 1.5, _POLL_MAX)
        file = await get_file(backend, name)


async def delete_quietly(backend: Backend, name: str) -> None:
    """Best-effort delete (cleanup after a failed upload must not hide the original error)."""
    with contextlib.suppress(Exception):
        await backend.client.aio.files.delete(name=name)


async def _reusable(backend: Backend, entry: CacheEntry) -> types.File | None:
    try:
        file = await get_file(backend, entry.name)
    except RemoteFileNotFoundError:
        return None
    if state_of(file) == "FAILED":
        return None
    expires = file.expiration_time
    if expires is not None and expires - EXPIRY_MARGIN <= utc_now():
        return None
    try:
        return await wait_until_active(backend, file)
    except RemoteFileFailedError:
        return None


async def _find_finalized(backend: Backend, sha256: str, *, since: dt.datetime) -> types.File | None:
    """Poll the newest files for one with these bytes created since ``since``, for a short grace period."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + backend.settings.upload_adopt_grace_seconds
    since = since - dt.timedelta(seconds=1)  # tolerate clock skew between us and the server
    while True:
        with contextlib.suppress(Exception):  # looking is best effort; the retry loop decides what failed
            pager = await backend.client.aio.files.list(config=types.ListFilesConfig(page_size=100))
            for file in pager.page:
                created = file.create_time
                if _hex_sha256(file.sha256_hash) == sha256 and (created is None or created >= since):
                    return file
        if loop.time() >= deadline:
            return None
        await asyncio.sleep(_ADOPT_POLL)


def content_key(origin: Path, encoding: str, origin_sha256: str) -> str:
    """The upload-cache key of ``encoding`` of the file whose bytes hash to ``origin_sha256``."""
    return hashlib.sha256(f"{origin_sha256}|{encoding}".encode()).hexdigest()


async def upload_key(audio: WireAudio) -> tuple[str, str | None]:
    """The cache key of ``audio``'s bytes, and the hash of the user's file they came from (when known)."""
    if audio.origin is None:
        return await asyncio.to_thread(sha256_file, audio.path), None
    origin_sha = await asyncio.to_thread(sha256_of_user_file, audio.origin)
    if audio.encoding is None:
        return origin_sha, origin_sha
    return content_key(audio.origin, audio.encoding, origin_sha), origin_sha


async def reusable_upload(backend: Backend, key: str) -> Upload | None:
    """An earlier upload under ``key`` that is still there and ACTIVE, or None (then nothing was reused)."""
    entry = backend.cache.get(key)
    if entry is None:
        return None
    file = await _reusable(backend, entry)
    if file is None:
        backend.cache.drop(key)
        return None
    return Upload(file=file, sha256=key, reused=True, duration_seconds=entry.duration_seconds)


async def upload_file(backend: Backend, audio: WireAudio, ctx: RunContext) -> Upload:
    """Make the bytes of ``audio`` available as an ACTIVE remote file, uploading only if needed.

    Raises:
        InvalidArgumentError: the file is larger than the Files API accepts (2 GiB).
        RemoteFileFailedError: the upload was processed and FAILED (the remote file is deleted).
        OperationTimeoutError: it did not become ACTIVE in time (the remote file is deleted).
        GeminiAudioError: other API failures, after retries.
    """
    path, mime_type, display_name = audio.path, audio.mime_type, audio.display_name
    label = shown_name(display_name) or shown_name(path) or "the audio"
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InvalidArgumentError(
            f"{label} is {format_size(size)}; the Files API takes at most 2 GiB per file. Pass start and end "
            "to send a range (ranges are cut locally and sent compactly)."
        )
    key, origin_sha = await upload_key(audio)
    sha256 = key if audio.encoding is None else await asyncio.to_thread(sha256_file, path)
    async with backend.cache.lock(key, timeout=backend.settings.file_active_timeout_seconds):
        reused = await reusable_upload(backend, key)
        if reused is not None:
            detail = f"reused {reused.file.name} (same audio uploaded before)"
            await ctx.report(ProgressEvent("upload", size, size, "bytes", subject=label, detail=detail))
            duration = audio.duration_seconds or reused.duration_seconds
            return Upload(file=reused.file, sha256=key, reused=True, duration_seconds=duration)
        await ctx.report(ProgressEvent("upload", 0, size, "bytes", subject=label))
        config = types.UploadFileConfig(mime_type=mime_type, display_name=display_name)
        started = utc_now()

        async def attempt() -> types.File:
            try:
                # An open file, not a path: for a path the SDK sends the base name as an HTTP header,
                # which cannot carry non-ASCII names ("réunion.mp3" would fail before a byte is sent).
                with upload_reader(path, ctx.report, subject=label) as stream:
                    return await backend.client.aio.files.upload(file=stream, config=config)
            except Exception as exc:
                # No answer is not "not done": the server may still finalize this upload. Adopt that file
                # rather than upload again and leave an orphan duplicate nobody tracks. A connection that
                # never opened sent nothing: there is nothing to adopt.
                if is_transport_error(exc) and not is_connect_failure(exc):
                    adopted = await _find_finalized(backend, sha256, since=started)
                    if adopted is not None:
                        return adopted
                raise

        file = await with_retries(attempt, backend.retry, action=f"uploading {label}")
        await ctx.report(ProgressEvent("upload", size, size, "bytes", subject=label))
        await ctx.report(ProgressEvent("processing", subject=label))
        try:
            file = await wait_until_active(backend, file)
        except BaseException:
            await delete_quietly(backend, file.name or "")
            raise
        ready = ProgressEvent("processing", 1, 1, subject=label, detail=f"ready as {file.name}")
        await ctx.report(ready)
        remember_upload(backend, key, file, audio, source_sha256=origin_sha)
        return Upload(file=file, sha256=sha256, reused=False, duration_seconds=audio.duration_seconds)


def remember_upload(
    backend: Backend, key: str, file: types.File, audio: WireAudio, *, source_sha256: str | None = None
) -> None:
    """Record ``file`` (an ACTIVE upload of ``audio``'s bytes) in the dedupe cache under ``key``, so the same
    bytes are never sent again while it lives."""
    expires = file.expiration_time or (utc_now() + dt.timedelta(hours=48))
    backend.cache.put(
        CacheEntry(
            sha256=key,
            name=file.name or "",
            uri=file.uri or "",
            mime_type=file.mime_type or audio.mime_type,
            size_bytes=file.size_bytes or audio.size_bytes,
            expires_at=expires.astimezone(dt.timezone.utc).isoformat(),
            display_name=audio.display_name,
            duration_seconds=audio.duration_seconds,
            source_path=str(audio.origin) if audio.origin is not None else None,
            source_sha256=source_sha256,
        )
    )


async def list_files(
    backend: Backend, page_size: int, page_token: str | None
) -> tuple[list[types.File], str | None]:
    """One page of the account's files, and the token of the next page (None on the last).

    Raises:
        GeminiAudioError: the API failed, after retries (e.g. AuthenticationError).
    """
    config = types.ListFilesConfig(page_size=page_size, page_token=page_token)
    pager = await with_retries(
        lambda: backend.client.aio.files.list(config=config), backend.retry, action="listing uploaded files"
    )
    return list(pager.page), pager.config.get("page_token") or None


async def delete_file(backend: Backend, name: str) -> bool:
    """Delete ``name`` and forget it in the upload cache; False when it no longer existed.

    Raises:
        GeminiAudioError: the API failed, after retries.
    """
    backend.cache.drop_name(name)
    try:
        await with_retries(
            lambda: backend.client.aio.files.delete(name=name),
            backend.retry,
            action=f"deleting {name}",
            file_name=name,
        )
    except RemoteFileNotFoundError:
        return False
    return True
