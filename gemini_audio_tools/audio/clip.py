"""Cut a time range out of a local audio file, sample-accurately, into a temporary FLAC file.

A thin wrapper over :mod:`.encode` (the one implementation of cutting and encoding) for callers that have
not probed the file: it probes, then writes FLAC (16 kHz mono by default; ``sample_rate=None`` /
``mono=False`` keep the original rate / channels). FLAC is lossless, so cutting never adds a second
generation of lossy artefacts; cutting MP3/AAC without re-encoding could only cut at frame boundaries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .encode import EncodedAudio, flac_range
from .probe import probe_audio
from .profiles import SPEECH_RATE

ClippedAudio = EncodedAudio
"""A clip on disk (the name this module used before :mod:`.encode` generalised it)."""


@contextmanager
def clip_range(
    path: Path | str,
    start: float | None,
    end: float | None,
    *,
    sample_rate: int | None = SPEECH_RATE,
    mono: bool = True,
    track: int | None = None,
) -> Iterator[EncodedAudio]:
    """Write ``[start, end)`` of audio track ``track`` (None: the default one) of ``path`` (seconds,
    ``None`` = from the beginning / to the end) to a temporary FLAC file that exists only inside the
    ``with`` block.

    Raises:
        AudioFileNotFoundError, UnsupportedAudioError, CorruptAudioError, InvalidArgumentError: as
            :func:`~.probe.probe_audio`.
        InvalidTimeRangeError: the range is negative, empty, reversed or goes past the end (checked, with
            the same messages, by :func:`~gemini_audio_tools.timecode.resolve_seconds`).
        CorruptAudioError: the audio cannot be decoded inside the range.
    """
    info = probe_audio(path, track)
    with flac_range(path, info, start, end, sample_rate=sample_rate, mono=mono) as clip:
        yield clip


def clip_to_bytes(
    path: Path | str,
    start: float | None,
    end: float | None,
    *,
    sample_rate: int | None = SPEECH_RATE,
    mono: bool = True,
    track: int | None = None,
) -> tuple[bytes, str]:
    """The FLAC bytes of ``[start, end)`` and their MIME type, for small inline requests.

    Same cut and output as :func:`clip_range`; the temporary file is gone when this returns.

    Raises:
        The same errors as :func:`clip_range`.
    """
    with clip_range(path, start, end, sample_rate=sample_rate, mono=mono, track=track) as clip:
        return clip.path.read_bytes(), clip.mime_type
