"""The audio formats the Gemini API accepts as is, and the names and MIME types of every other kind we read.

The Gemini API documents six audio formats: WAV, MP3, AIFF, AAC, OGG Vorbis and FLAC (ai.google.dev,
"Audio understanding", "Supported audio formats"; Opus, M4A and WebM are not listed). Anything else FFmpeg
decodes (M4A voice memos, Ogg Opus and WebM recordings, the sound of a video, AMR, WMA, CAF, ...) is
accepted from the user and transcoded locally (:mod:`.encode`), so :class:`~.probe.AudioInfo` names what a
file is (``format``), the container and codec, and whether the API would take it as is (``api_accepts``).

The MIME strings for the six are the ones Gemini's documentation lists (``audio/mp3``, not ``audio/mpeg``),
because that is what the API is known to accept for inline data and uploads. The others are the usual MIME
types of those files, for display: the API is never sent them.
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

_ACCEPTED_TEXT: Final = "WAV, MP3, AIFF, AAC (ADTS), OGG Vorbis and FLAC"

_OTHER_KINDS: Final[dict[str, tuple[str, str]]] = {
    # format: (what it is, in a sentence; its usual MIME type)
    "m4a": ("an M4A file (audio in an MP4 container)", "audio/mp4"),
    "mp4": ("an MP4 video", "video/mp4"),
    "mov": ("a QuickTime MOV file", "video/quicktime"),
    "3gp": ("a 3GP file", "video/3gpp"),
    "webm": ("a WebM file", "video/webm"),
    "mka": ("a Matroska audio (MKA) file", "audio/x-matroska"),
    "mkv": ("a Matroska (MKV) video", "video/x-matroska"),
    "matroska": ("a Matroska (MKV/MKA) file", "video/x-matroska"),
    "opus": ("an Ogg Opus file", "audio/ogg; codecs=opus"),
    "oga": ("an Ogg audio file (not Vorbis)", "audio/ogg"),
    "ogv": ("an Ogg video", "video/ogg"),
    "amr": ("AMR speech audio", "audio/amr"),
    "wma": ("a Windows Media Audio (WMA) file", "audio/x-ms-wma"),
    "wmv": ("a Windows Media (ASF/WMV) video", "video/x-ms-wmv"),
    "asf": ("a Windows Media (ASF) file", "video/x-ms-asf"),
    "caf": ("an Apple CAF audio file", "audio/x-caf"),
    "au": ("a Sun AU audio file", "audio/basic"),
    "avi": ("an AVI video", "video/x-msvideo"),
    "flv": ("an FLV video", "video/x-flv"),
    "ts": ("an MPEG transport stream", "video/mp2t"),
    "mpg": ("an MPEG program stream", "video/mpeg"),
    "mp2": ("MPEG Layer I/II audio (MP1/MP2)", "audio/mpeg"),
    "ape": ("a Monkey's Audio (APE) file", "audio/x-ape"),
    "wv": ("a WavPack file", "audio/x-wavpack"),
    "dsf": ("a DSD audio file", "audio/x-dsf"),
    "w64": ("a Sony Wave64 file", "audio/x-w64"),
    "voc": ("a Creative Voice (VOC) file", "audio/x-voc"),
    "tta": ("a True Audio (TTA) file", "audio/x-tta"),
    "mpc": ("a Musepack file", "audio/x-musepack"),
    "rm": ("a RealMedia file", "application/vnd.rn-realmedia"),
    "wav": ("a WAV file", "audio/wav"),
    "aiff": ("an AIFF file", "audio/aiff"),
}
"""Every other kind of file :mod:`.sniff` recognises (or the probe names after opening it)."""


def mime_type_for(fmt: str) -> str:
    """The MIME type Gemini expects for ``fmt`` (one of :data:`FORMATS`, case-insensitive).

    Raises:
        UnsupportedAudioError: ``fmt`` is not a format Gemini accepts.
    """
    key = fmt.strip().lower().lstrip(".")
    if key in _MIME_BY_FORMAT:
        return _MIME_BY_FORMAT[key]
    raise UnsupportedAudioError(
        f"'{fmt}' is not an audio format Gemini accepts as is; the API takes {_ACCEPTED_TEXT}."
    )


def describe(fmt: str) -> str:
    """What a file of format ``fmt`` is, for a message: "an MP4 video", "an Ogg Opus file", ..."""
    if fmt in _OTHER_KINDS:
        return _OTHER_KINDS[fmt][0]
    return f"a {fmt.upper()} file"


def file_mime_type(fmt: str) -> str:
    """The usual MIME type of a file of format ``fmt``: Gemini's spelling for the six it accepts."""
    if fmt in _MIME_BY_FORMAT:
        return _MIME_BY_FORMAT[fmt]
    return _OTHER_KINDS.get(fmt, ("", "application/octet-stream"))[1]
