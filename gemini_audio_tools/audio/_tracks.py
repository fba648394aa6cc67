"""Which audio track of a file to use: the one asked for, else the default one, else the first.

Tracks are numbered from 0 among the file's audio tracks only (video, subtitle and data streams are not
counted), as FFmpeg's ``a:N`` stream specifier counts them. A video with several audio tracks (languages, a
commentary) usually marks one as the default; players play that one, so we do too.
"""

from __future__ import annotations

from collections.abc import Sequence

import av

from ..errors import InvalidArgumentError


def audio_streams(container: av.container.InputContainer) -> list[av.AudioStream]:
    """The container's audio streams, in file order."""
    return [stream for stream in container.streams if isinstance(stream, av.AudioStream)]


def choose_track(streams: Sequence[av.AudioStream], track: int | None, label: str) -> int:
    """The index (into ``streams``, the file's audio streams) of ``track``, or when it is None of the
    stream marked as the default (else the first).

    Raises:
        InvalidArgumentError: ``track`` is not the number of one of the file's audio tracks.
    """
    count = len(streams)
    if track is None:
        return next(
            (
                index
                for index, stream in enumerate(streams)
                if stream.disposition & av.stream.Disposition.default
            ),
            0,
        )
    if not 0 <= track < count:
        raise no_such_track(track, count, label)
    return track


def no_such_track(track: int, count: int, label: str) -> InvalidArgumentError:
    """The error for asking a file with ``count`` audio tracks for track ``track``."""
    tracks = "one audio track (track 0)" if count == 1 else f"{count} audio tracks, numbered 0 to {count - 1}"
    return InvalidArgumentError(f"track {track} does not exist: {label} has {tracks}.")


def has_video(container: av.container.InputContainer) -> bool:
    """Whether the file holds moving pictures (cover art attached to audio does not count)."""
    return any(
        isinstance(stream, av.VideoStream) and not stream.disposition & av.stream.Disposition.attached_pic
        for stream in container.streams
    )
