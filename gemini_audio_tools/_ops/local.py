"""inspect_audio: what an audio (or video) file is and what sending it (or a range) would cost — free.

It reads headers only (see :mod:`..audio.probe`), so it is cheap even for hours of audio and is the natural
first call before transcribing a range; a URL is downloaded (and removed) first. A Files API name has no
bytes here to read; the error points the model to count_audio_tokens, which can measure a remote file.
"""

from __future__ import annotations

from ..context import RunContext
from ..schemas import InspectAudioInput, InspectAudioOutput
from ..tokens import estimate_audio_tokens
from ._source import LocalAudio, select_audio


async def inspect_audio(args: InspectAudioInput, ctx: RunContext) -> InspectAudioOutput:
    """Probe ``args.audio``; estimate the tokens of ``args.start``–``args.end`` (the whole file by default).

    Raises:
        LocalAudioRequiredError: ``args.audio`` is a remote ``files/…`` name or URI.
        PathNotAllowedError, AudioFileNotFoundError: outside the allowed dirs, missing, or not a file.
        UnsupportedAudioError, CorruptAudioError: the content is not audio Gemini accepts, or is damaged.
        InvalidTimeRangeError: start/end do not parse or do not fit the audio.
    """
    async with select_audio(
        args.audio, args.start, args.end, ctx, local_only="inspect_audio", track=args.track
    ) as selection:
        source = selection.source
        assert isinstance(source, LocalAudio)  # local_only refuses anything else
        info = source.info
        return InspectAudioOutput(
            path=source.url or str(source.path),
            format=info.format,
            container=info.container,
            codec=info.codec,
            mime_type=info.mime_type,
            api_accepts=info.api_accepts,
            duration_seconds=info.duration_seconds,
            sample_rate=info.sample_rate,
            channels=info.channels,
            size_bytes=info.size_bytes,
            bit_rate=info.bit_rate,
            track=info.track,
            audio_tracks=info.audio_tracks,
            has_video=info.has_video,
            range=selection.range,
            estimated_tokens=estimate_audio_tokens(selection.span.seconds),
        )
