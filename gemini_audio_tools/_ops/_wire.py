"""What is sent for a selection: the file itself, or a temporary clip; inline, uploaded, or by reference.

:func:`wire_audio` decides the bytes for a local source: the file unchanged when the whole of it is wanted
and it is compact enough (or small enough to go inline anyway); otherwise a clip of the span, 16 kHz mono
(what the model hears anyway: Gemini downsamples to 16 kHz and merges channels). A clip is removed when the
``with`` block ends. :func:`prepare` turns a selection into the request part: those bytes inline or uploaded
(deduplicated), or, for a remote file, a reference plus the instruction naming the span to use.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from google.genai import types

from ..audio import AudioInfo
from ..audio.clip import clip_range
from ..backend.client import Backend
from ..backend.generate import audio_part, fits_inline, remote_part
from ..backend.prompts import range_clause
from ..backend.uploads import Upload, WireAudio
from ..context import RunContext
from ..timecode import Span
from ._source import LocalAudio, RemoteAudio, Selection

COMPACT_BYTES_PER_SECOND = 40_000
"""Speech as 16 kHz mono FLAC takes ~20-30 KB/s; denser files (PCM at 44.1 kHz stereo: 176 KB/s) are worth
re-encoding when they would not go inline anyway."""


@dataclass(frozen=True)
class Prepared:
    """Audio ready for one request: the part, where its time zero lies on the file, what to tell the model."""

    part: types.Part
    offset: float = 0.0
    """Where the sent audio's time zero lies on the file's timeline (a clip's start; 0 for a whole file or
    a remote one): add it to the model's times."""
    range_hint: str | None = None
    """For a remote file with a range: the instruction naming the span to use."""
    file_name: str | None = None
    upload: Upload | None = None


@contextlib.asynccontextmanager
async def wire_audio(
    source: LocalAudio, span: Span, *, prompt: str | None = None
) -> AsyncIterator[WireAudio]:
    """The bytes to send for ``span`` of ``source`` (the file itself, or a temporary clip removed on exit).
    ``prompt`` is the request's text when the bytes may go inline; None sends a whole file as it is.

    Raises:
        CorruptAudioError: the span cannot be decoded.
    """
    whole = span.covers(source.duration_seconds)
    if whole and (prompt is None or not _worth_reencoding(source.info, prompt)):
        yield WireAudio(
            source.path,
            source.info.mime_type,
            duration_seconds=source.duration_seconds,
            display_name=source.name,
            source_path=source.path,
        )
        return
    manager = clip_range(source.path, span.start, span.end)
    clip = await asyncio.to_thread(manager.__enter__)
    try:
        yield WireAudio(
            clip.path,
            clip.mime_type,
            duration_seconds=clip.duration_seconds,
            display_name=clip_label(source.path, span),
        )
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)


@contextlib.asynccontextmanager
async def prepare(
    backend: Backend, selection: Selection, *, prompt: str, ctx: RunContext
) -> AsyncIterator[Prepared]:
    """Yield the request part for ``selection``; a temporary clip is deleted on exit.

    Raises:
        GeminiAudioError: clipping or uploading failed.
    """
    source, span = selection.source, selection.span
    if isinstance(source, RemoteAudio):
        hint = range_clause(span.start, span.end) if selection.method == "prompt" else None
        yield Prepared(remote_part(source.file), 0.0, hint, source.name)
        return
    async with wire_audio(source, span, prompt=prompt) as wire:
        sent = await audio_part(backend, wire, prompt=prompt, ctx=ctx)
        name = sent.upload.file.name if sent.upload is not None else None
        yield Prepared(sent.part, span.start, None, name, sent.upload)


def _worth_reencoding(info: AudioInfo, prompt: str) -> bool:
    """True when sending the whole file as 16 kHz mono FLAC saves an upload or most of its bytes;
    MP3/AAC/Opus are already compact."""
    if fits_inline(info.size_bytes, prompt):
        return False
    return info.size_bytes / max(info.duration_seconds, 1e-3) > COMPACT_BYTES_PER_SECOND


def clip_label(path: Path, span: Span) -> str:
    """Display name of an uploaded clip, e.g. "talk.mp3 [1:00–2:30]" (never the temporary file's name)."""
    return f"{path.name} [{span.label}]"
