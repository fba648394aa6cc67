"""What a format parser found in a file's headers, before it becomes a public :class:`~.probe.AudioInfo`."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CorruptAudioError


@dataclass(frozen=True)
class StreamFacts:
    """Facts read from headers. ``samples`` is the decoded length in samples per channel."""

    codec: str
    sample_rate: int
    channels: int
    samples: int
    audio_bytes: int
    start_time: float = 0.0


class CompressedPcmContainer(Exception):
    """A WAV or AIFC file whose audio is compressed (MP3, ADPCM, GSM, ...): FFmpeg measures it instead."""


def truncated(label: str, what: str) -> CorruptAudioError:
    """The error for a file that ends before its own headers say it should."""
    return CorruptAudioError(
        f"{label} is truncated: {what}. It was probably cut off while downloading or copying; "
        "get a complete copy of the file."
    )


def corrupt(label: str, what: str) -> CorruptAudioError:
    """The error for headers that contradict themselves or cannot be read."""
    return CorruptAudioError(f"{label} is damaged: {what}. Re-export or re-download the file.")
