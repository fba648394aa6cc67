"""The six audio formats Gemini accepts, and the MIME type it expects for each.

Gemini's audio understanding takes WAV, MP3, AIFF, AAC, OGG Vorbis and FLAC. Everything else (M4A, Opus,
video containers, …) must be converted by the user first; :mod:`.sniff` says how in its error messages.
The MIME strings are the ones Gemini's documentation lists (``audio/mp3``, not ``audio/mpeg``), because that
is what the API is known to accept for inline data and uploads.
"""

from __future__ import annotations

from typing import Final, Literal

from ..errors import UnsupportedAudioError

AudioFormat = Literal["wav", "mp3", "aiff", "aac", "ogg", "flac"]
"""Short name of an accepted format; also the file extension used for it."""

FORMATS: Final[tuple[AudioFormat, ...]] = ("wav", "mp3", "aiff", "aac", "ogg", "flac")

_MIME_BY_FORMAT: Final[dict[AudioFormat, str]] = {
    "wav": "audio/wav",
    "mp3": "audio/mp3",
    "aiff": "audio/aiff",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
}

# Common spellings other tools and servers use for the same formats (e.g. a file uploaded elsewhere).
_MIME_ALIASES: Final[dict[str, AudioFormat]] = {
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mp3": "mp3",
    "audio/x-aiff": "aiff",
    "audio/aacp": "aac",
    "audio/x-aac": "aac",
    "audio/vorbis": "ogg",
    "application/ogg": "ogg",
    "audio/x-flac": "flac",
}

_ACCEPTED_TEXT: Final = "WAV, MP3, AIFF, AAC (ADTS), OGG Vorbis and FLAC"


def mime_type_for(fmt: str) -> str:
    """The MIME type Gemini expects for ``fmt`` (one of :data:`FORMATS`, case-insensitive).

    Raises:
        UnsupportedAudioError: ``fmt`` is not a format Gemini accepts.
    """
    key = fmt.strip().lower().lstrip(".")
    if key in _MIME_BY_FORMAT:
        return _MIME_BY_FORMAT[key]
    raise UnsupportedAudioError(
        f"'{fmt}' is not an audio format Gemini accepts; use one of {_ACCEPTED_TEXT}."
    )


def format_for_mime(mime: str) -> AudioFormat:
    """The format for a MIME type (Gemini's spelling or a common alias; parameters like ``;codecs=`` ignored).

    Raises:
        UnsupportedAudioError: the MIME type is not one of the accepted audio formats.
    """
    key = mime.split(";", 1)[0].strip().lower()
    for fmt, canonical in _MIME_BY_FORMAT.items():
        if key == canonical:
            return fmt
    if key in _MIME_ALIASES:
        return _MIME_ALIASES[key]
    raise UnsupportedAudioError(
        f"MIME type '{mime}' is not an audio format Gemini accepts; use one of {_ACCEPTED_TEXT}."
    )
