"""Turn an operation's ``audio`` / ``start`` / ``end`` into a request part, the same way for every operation.

A local file is probed, its range validated against its real duration and, when a range is asked for, cut
locally so only the clip is sent (``method='clip'``; model times are shifted back by the clip's start). A
remote ``files/…`` file cannot be cut: the model hears all of it and is told which span to use
(``method='prompt'``, approximate, and the whole file is billed) — the output's notes say so.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

from google.genai import types

from ..audio import AudioInfo, probe_audio
from ..audio.clip import ClippedAudio, clip_range
from ..backend.client import Backend
from ..backend.generate import audio_part, count_tokens, fits_inline, remote_part
from ..backend.prompts import range_clause
from ..backend.uploads import Upload, get_file, wait_until_active
from ..context import RunContext
from ..errors import GeminiAudioError, InvalidTimeRangeError
from ..hashing import sha256_file
from ..paths import is_remote_file_ref, normalize_file_name, resolve_local_audio
from ..schemas import AudioRange
from ..timecode import parse_timecode, resolve_range
from ..tokens import AUDIO_TOKENS_PER_SECOND
from ..transcripts import clock

PROMPT_RANGE_NOTE = (
    "The audio exists only as a remote file, so the range was applied by instructing the model "
    "(approximate: timestamps and boundaries may be off by a few seconds, and the whole file was billed). "
    "Pass the local file path instead for an exact cut."
)


@dataclass(frozen=True)
class LocalAudio:
    path: Path
    info: AudioInfo


@dataclass(frozen=True)
class RemoteAudio:
    file: types.File
    duration_seconds: float | None
    """From the upload cache (or a free countTokens call) when known."""

    @property
    def name(self) -> str:
        return self.file.name or ""


Source = LocalAudio | RemoteAudio


async def open_source(audio: str, ctx: RunContext, backend: Backend | None) -> Source:
    """Resolve ``audio`` to a probed local file or an ACTIVE remote file.

    Raises:
        PathNotAllowedError, AudioFileNotFoundError, UnsupportedAudioError, CorruptAudioError: bad local file.
        RemoteFileNotFoundError: unknown ``files/…`` name. RemoteFileFailedError: the file FAILED processing.
        AuthenticationError: a remote file was named but no key is configured.
    """
    if is_remote_file_ref(audio):
        if backend is None:
            backend = Backend.from_settings(ctx.settings)
        name = normalize_file_name(audio)
        file = await wait_until_active(backend, await get_file(backend, name))
        entry = backend.cache.find_name(name)
        return RemoteAudio(file=file, duration_seconds=entry.duration_seconds if entry else None)
    path = resolve_local_audio(audio, ctx.settings.allowed_dirs)
    info = await asyncio.to_thread(probe_audio, path)
    return LocalAudio(path=path, info=info)


async def remote_duration(backend: Backend, source: RemoteAudio) -> float:
    """Duration of a remote file: from the cache, else from countTokens (free) at 32 tokens per second."""
    if source.duration_seconds is not None:
        return source.duration_seconds
    tokens = await count_tokens(
        backend, [remote_part(source.file)], action=f"measuring {source.name}", file_name=source.name
    )
    return tokens / AUDIO_TOKENS_PER_SECOND


async def open_with_range(
    audio: str, start: str | None, end: str | None, ctx: RunContext, backend: Backend | None = None
) -> tuple[Source, AudioRange]:
    """:func:`open_source` plus the validated range ('whole'/'clip' locally, 'whole'/'prompt' remotely); a
    remote source comes back with its duration measured.

    Raises:
        GeminiAudioError: as :func:`open_source`; InvalidTimeRangeError for a range that does not fit.
    """
    source = await open_source(audio, ctx, backend)
    if isinstance(source, LocalAudio):
        return source, pick_range(start, end, source.info.duration_seconds)
    backend = backend or Backend.from_settings(ctx.settings)
    duration = await remote_duration(backend, source)
    rng = remote_range(start, end, duration)
    if rng.method == "prompt":
        local = await _local_original(backend, source, ctx)
        if local is not None:  # the same bytes are still here: cut exactly instead of asking the model
            return local, pick_range(start, end, local.info.duration_seconds)
    return replace(source, duration_seconds=duration), rng


async def _local_original(backend: Backend, source: RemoteAudio, ctx: RunContext) -> LocalAudio | None:
    """The local file a remote file was uploaded from, if the cache remembers it, it is still inside the
    allowed directories and its bytes are unchanged (same sha256); else None."""
    entry = backend.cache.find_name(source.name)
    if entry is None or entry.source_path is None:
        return None
    try:
        path = resolve_local_audio(entry.source_path, ctx.settings.allowed_dirs)
        if (
            path.stat().st_size != entry.size_bytes
            or await asyncio.to_thread(sha256_file, path) != entry.sha256
        ):
            return None
        return LocalAudio(path=path, info=await asyncio.to_thread(probe_audio, path))
    except (GeminiAudioError, OSError):
        return None


def pick_range(start: str | None, end: str | None, duration: float) -> AudioRange:
    """Validate ``start``/``end`` against ``duration``; ``method`` is 'whole' or 'clip' (a local cut).

    Raises:
        InvalidTimeRangeError: unparseable, reversed, or past the end of the audio.
    """
    rng = resolve_range(start, end, duration)
    method = "whole" if rng.is_whole else "clip"
    return AudioRange(start_seconds=rng.start_seconds, end_seconds=rng.end_seconds, method=method)


def apply_cursor(rng: AudioRange, cursor: str | None, *, remote: bool = False) -> AudioRange:
    """Move the range's start to ``cursor`` (a time code from a previous page).

    Raises:
        InvalidTimeRangeError: the cursor is unparseable or outside the range.
    """
    if cursor is None:
        return rng
    at = parse_timecode(cursor)
    if not rng.start_seconds <= at < rng.end_seconds:
        raise InvalidTimeRangeError(
            f"cursor {cursor!r} is outside the range being transcribed; pass the next_cursor value returned "
            "by the previous call with the same audio, start and end."
        )
    if math.isclose(at, rng.start_seconds):
        return rng
    method = ("prompt" if remote else "clip") if rng.method == "whole" else rng.method
    return rng.model_copy(update={"start_seconds": at, "method": method})


@dataclass
class Prepared:
    """Audio ready for one request: the part, where its time zero lies on the file, what to tell the model."""

    part: types.Part
    range: AudioRange
    offset: float = 0.0
    range_hint: str | None = None
    file_name: str | None = None
    upload: Upload | None = None


@contextlib.asynccontextmanager
async def prepare(
    backend: Backend, source: Source, rng: AudioRange, *, prompt: str, ctx: RunContext
) -> AsyncIterator[Prepared]:
    """Yield the request part for ``rng`` of ``source``; a temporary clip is deleted on exit.

    Raises:
        GeminiAudioError: clipping or uploading failed.
    """
    if isinstance(source, RemoteAudio):
        hint = range_clause(rng.start_seconds, rng.end_seconds) if rng.method == "prompt" else None
        yield Prepared(remote_part(source.file), rng, 0.0, hint, source.name)
        return
    if rng.method == "whole" and not _worth_reencoding(source.info, prompt):
        part = await audio_part(
            backend,
            source.path,
            mime_type=source.info.mime_type,
            prompt=prompt,
            ctx=ctx,
            duration_seconds=source.info.duration_seconds,
            display_name=source.path.name,
            source_path=source.path,
        )
        yield Prepared(part.part, rng, 0.0, None, _name(part.upload), part.upload)
        return
    async with clipped(source.path, rng.start_seconds, rng.end_seconds) as clip:
        part = await audio_part(
            backend,
            clip.path,
            mime_type=clip.mime_type,
            prompt=prompt,
            ctx=ctx,
            duration_seconds=clip.duration_seconds,
            display_name=clip_label(source.path, rng),
        )
        yield Prepared(part.part, rng, clip.start_seconds, None, _name(part.upload), part.upload)


COMPACT_BYTES_PER_SECOND = 40_000
"""Speech as 16 kHz mono FLAC takes ~20-30 KB/s; denser files (PCM at 44.1 kHz stereo: 176 KB/s) are worth
re-encoding when they would not go inline anyway."""


def _worth_reencoding(info: AudioInfo, prompt: str) -> bool:
    """True when sending the whole file as 16 kHz mono FLAC (what the model hears anyway: Gemini downsamples
    to 16 kHz and merges channels) saves an upload or most of its bytes; MP3/AAC/Opus are already compact."""
    if fits_inline(info.size_bytes, prompt):
        return False
    return info.size_bytes / max(info.duration_seconds, 1e-3) > COMPACT_BYTES_PER_SECOND


def clip_label(path: Path, rng: AudioRange) -> str:
    """Display name of an uploaded clip, e.g. "talk.mp3 [01:00.000-02:30.000]"."""
    return f"{path.name} [{clock(rng.start_seconds)}-{clock(rng.end_seconds)}]"


def _name(upload: Upload | None) -> str | None:
    return upload.file.name if upload is not None else None


@contextlib.asynccontextmanager
async def clipped(path: Path, start: float, end: float) -> AsyncIterator[ClippedAudio]:
    """:func:`clip_range` with the CPU-bound cut (and the temp file's removal) off the event loop."""
    manager = clip_range(path, start, end)
    clip = await asyncio.to_thread(manager.__enter__)
    try:
        yield clip
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)


def remote_range(start: str | None, end: str | None, duration: float) -> AudioRange:
    """The range for a remote file: 'whole', or 'prompt' when a part was asked for.

    Raises:
        InvalidTimeRangeError: unparseable, reversed, or past the end of the audio.
    """
    rng = pick_range(start, end, duration)
    return rng if rng.method == "whole" else rng.model_copy(update={"method": "prompt"})
