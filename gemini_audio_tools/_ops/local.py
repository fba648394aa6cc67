"""inspect_audio: what a local audio file is and what sending it (or a range) would cost — offline, free.

It reads headers only (see :mod:`..audio.probe`), so it is cheap even for hours of audio and is the natural
first call before transcribing a range. A Files API name has no local bytes to read; the error points the
model to count_audio_tokens, which can measure a remote file.
"""

from __future__ import annotations

import asyncio

from ..audio import probe_audio
from ..context import RunContext
from ..errors import LocalAudioRequiredError
from ..paths import is_remote_file_ref, resolve_local_audio
from ..schemas import AudioRange, InspectAudioInput, InspectAudioOutput
from ..timecode import resolve_range
from ..tokens import estimate_audio_tokens


async def inspect_audio(args: InspectAudioInput, ctx: RunContext) -> InspectAudioOutput:
    """Probe ``args.audio``; estimate the tokens of ``args.start``–``args.end`` (the whole file by default).

    Raises:
        LocalAudioRequiredError: ``args.audio`` is a remote ``files/…`` name or URI.
        PathNotAllowedError, AudioFileNotFoundError: outside the allowed dirs, missing, or not a file.
        UnsupportedAudioError, CorruptAudioError: the content is not audio Gemini accepts, or is damaged.
        InvalidTimeRangeError: start/end do not parse or do not fit the audio.
    """
    if is_remote_file_ref(args.audio):
        raise LocalAudioRequiredError(
            f"inspect_audio reads local files only, and {args.audio.strip()!r} is a Files API file. Call "
            "count_audio_tokens with this name to learn its length and token cost, or pass a local path."
        )
    path = resolve_local_audio(args.audio, ctx.settings.allowed_dirs)
    info = await asyncio.to_thread(probe_audio, path)
    rng = resolve_range(args.start, args.end, info.duration_seconds)
    return InspectAudioOutput(
        path=str(path),
        format=info.format,
        codec=info.codec,
        mime_type=info.mime_type,
        duration_seconds=info.duration_seconds,
        sample_rate=info.sample_rate,
        channels=info.channels,
        size_bytes=info.size_bytes,
        bit_rate=info.bit_rate,
        range=AudioRange(
            start_seconds=rng.start_seconds,
            end_seconds=rng.end_seconds,
            method="whole" if rng.is_whole else "clip",
        ),
        estimated_tokens=estimate_audio_tokens(rng.seconds),
    )
