"""What is sent for a selection, and how: compact bytes, inline or uploaded once, or a reference.

The model keeps about 16 kbps of any audio (16 kHz, channels merged), so what is sent is compact by default
(``Settings.wire_format``, :mod:`..audio.profiles`): a whole file that already is compact (MP3/AAC speech)
goes as it is; anything else, or any range, is encoded to 16 kHz mono MP3 (or FLAC, or the source's own
format where the API takes it). A format the API does not take (M4A, Opus, WebM, video) is always encoded,
and the output says so. A temporary encoding is removed when the ``with`` block ends.

Sending: a request up to 100 MB goes inline; a larger one is uploaded through the Files API once. An upload
is keyed by the user's file's hash plus the encoding (profile, range, track), so asking again reuses it
without encoding or sending anything. A remote file is sent by reference, with the instruction naming the
span to use when a range was asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from google.genai import types

from ..audio.encode import EncodedAudio, encode_range
from ..audio.profiles import compact_bit_rate, must_transcode, passes_through
from ..backend.client import Backend
from ..backend.generate import audio_part, fits_inline, remote_part
from ..backend.prompts import range_clause
from ..backend.uploads import Upload, WireAudio, content_key, reusable_upload
from ..config import WireFormat
from ..context import RunContext
from ..hashing import sha256_file
from ..schemas import Sent
from ..timecode import Span
from ._source import LocalAudio, RemoteAudio, Selection

_FLAC_BYTES_PER_SECOND = 32_000
"""At most what 16 kHz mono FLAC takes (raw 16-bit PCM): the estimate of an encoding's size before it is
made, to know whether it will go inline or be uploaded (and so may be reused without encoding)."""


@dataclass(frozen=True)
class Prepared:
    """Audio ready for one request: the part, where its time zero lies on the file, what to tell the model."""

    part: types.Part
    sent: Sent
    offset: float = 0.0
    """Where the sent audio's time zero lies on the file's timeline (a clip's start; 0 for a whole file or
    a remote one): add it to the model's times."""
    range_hint: str | None = None
    """For a remote file with a range: the instruction naming the span to use."""
    file_name: str | None = None
    upload: Upload | None = None


def encoding_of(source: LocalAudio, span: Span, profile: WireFormat) -> str | None:
    """What ``profile`` makes of ``span`` of ``source`` ("compact 0.000-60.000 track 0"), or None when the
    file itself is sent."""
    if passes_through(source.info, profile, span.start, span.end):
        return None
    return f"{profile} {span.start:.3f}-{span.end:.3f} track {source.info.track}"


@contextlib.asynccontextmanager
async def wire_audio(source: LocalAudio, span: Span, profile: WireFormat) -> AsyncIterator[WireAudio]:
    """The bytes to send for ``span`` of ``source`` under ``profile``: the file itself, or a temporary
    encoding removed on exit.

    Raises:
        CorruptAudioError: the span cannot be decoded.
    """
    encoding = encoding_of(source, span, profile)
    origin = source.path if source.local else None
    if encoding is None:
        yield WireAudio(
            source.path,
            source.info.mime_type,
            duration_seconds=source.duration_seconds,
            display_name=source.name,
            origin=origin,
        )
        return
    manager = _encode(source, span, profile)
    encoded = await asyncio.to_thread(manager.__enter__)
    try:
        whole = span.covers(source.duration_seconds)
        yield WireAudio(
            encoded.path,
            encoded.mime_type,
            duration_seconds=encoded.duration_seconds,
            display_name=source.name if whole else f"{source.name} [{span.label}]",
            origin=origin,
            encoding=encoding,
        )
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)


def _encode(
    source: LocalAudio, span: Span, profile: WireFormat
) -> contextlib.AbstractContextManager[EncodedAudio]:
    return encode_range(
        source.path, source.info, span.start, span.end, profile=profile, track=source.info.track
    )


def estimated_size(source: LocalAudio, span: Span, profile: WireFormat) -> int:
    """About how many bytes ``profile`` sends for ``span`` (an upper estimate for an encoding)."""
    if encoding_of(source, span, profile) is None:
        return source.info.size_bytes
    if profile == "compact":
        return int(span.seconds * compact_bit_rate(span.seconds) / 8) + 8192
    if profile == "flac":
        return int(span.seconds * _FLAC_BYTES_PER_SECOND) + 8192
    rate = source.info.sample_rate * source.info.channels * 3  # at most 24 bits a sample, kept channels
    return int(span.seconds * rate) + 8192


def range_hint(selection: Selection) -> str | None:
    """For a remote file with a range (the model hears all of it): the instruction naming the span to use."""
    span = selection.span
    return range_clause(span.start, span.end) if selection.method == "prompt" else None


@contextlib.asynccontextmanager
async def prepare(
    backend: Backend, selection: Selection, *, prompt: str, ctx: RunContext
) -> AsyncIterator[Prepared]:
    """Yield the request part for ``selection``; a temporary encoding is deleted on exit.

    Raises:
        GeminiAudioError: encoding or uploading failed.
    """
    source, span = selection.source, selection.span
    if isinstance(source, RemoteAudio):
        sent = Sent(format=source.file.mime_type or "", bytes=0, via="reference")
        yield Prepared(remote_part(source.file), sent, 0.0, range_hint(selection), source.name)
        return
    profile = ctx.settings.wire_format
    encoding = encoding_of(source, span, profile)
    if (
        encoding is not None
        and source.local
        and not fits_inline(estimated_size(source, span, profile), prompt)
    ):
        # It will be uploaded: an upload of the same encoding of the same file may be reused as it is.
        origin_sha = await asyncio.to_thread(sha256_file, source.path)
        reused = await reusable_upload(backend, content_key(source.path, encoding, origin_sha))
        if reused is not None:
            mime = reused.file.mime_type or "audio/mpeg"
            part = types.Part.from_uri(file_uri=reused.file.uri or "", mime_type=mime)
            sent = Sent(format=mime, bytes=0, via="file", reused=True, transcoded=must_transcode(source.info))
            yield Prepared(part, sent, span.start, None, reused.file.name, reused)
            return
    async with wire_audio(source, span, profile) as wire:
        made = await audio_part(backend, wire, prompt=prompt, ctx=ctx)
        upload = made.upload
        sent = Sent(
            format=wire.mime_type,
            bytes=0 if upload is not None and upload.reused else wire.size_bytes,
            via="inline" if upload is None else "file",
            reused=upload is not None and upload.reused,
            transcoded=must_transcode(source.info),
        )
        yield Prepared(made.part, sent, span.start, None, upload.file.name if upload else None, upload)


async def reused_encoding(backend: Backend, source: LocalAudio, encoding: str) -> Upload | None:
    """An earlier upload of ``encoding`` of the user's file, still usable, found before encoding it again."""
    origin_sha = await asyncio.to_thread(sha256_file, source.path)
    return await reusable_upload(backend, content_key(source.path, encoding, origin_sha))


def clip_label(path: Path, span: Span) -> str:
    """Display name of an uploaded clip, e.g. "talk.mp3 [1:00–2:30]" (never the temporary file's name)."""
    return f"{path.name} [{span.label}]"
