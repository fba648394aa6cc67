"""What each wire profile (``GEMINI_AUDIO_WIRE_FORMAT``) sends, decided from a probe: pure rules, no I/O.

:mod:`.encode` writes what these rules ask for; the caller asks them first to know whether a file goes as
it is (nothing to encode, and an upload can be reused by the file's own hash).

* ``compact`` (the default): 16 kHz mono MP3 at a constant bit rate, 32 kbps (14.4 MB per audio hour),
  lower for ranges so long that 32 kbps would not fit one inline request (:func:`compact_bit_rate`). The
  Gemini API documents WAV, MP3, AIFF, AAC, OGG Vorbis and FLAC, not Opus, so compact is MP3 (Opus would
  be half the size). A whole file the API accepts that already is compact (:func:`is_compact`) goes as is.
* ``flac``: 16 kHz mono FLAC, lossless for what the model hears (Gemini downsamples to 16 kHz and merges
  channels); a whole file that already is such a FLAC goes as is.
* ``original``: a whole file the API accepts goes as is; a range, or a format it does not accept, is cut
  losslessly to FLAC at the source's rate and channels.
"""

from __future__ import annotations

from typing import Final, Literal

from ..timecode import resolve_seconds
from .probe import AudioInfo

Profile = Literal["compact", "flac", "original"]
PROFILES: Final[tuple[Profile, ...]] = ("compact", "flac", "original")

SPEECH_RATE: Final = 16_000
"""The sample rate Gemini hears (it downsamples everything to it)."""
COMPACT_BIT_RATES: Final = (32_000, 24_000, 16_000)
"""MP3 bit rates of ``compact``, best first: the first whose range fits one inline request is used."""
COMPACT_MAX_BIT_RATE: Final = 33_000
"""An accepted lossy file at or below this average bit rate (~15 MB per audio hour) is already compact."""
INLINE_REQUEST_BYTES: Final = 100_000_000
"""The API's limit for a whole request with inline data (100 MB since January 2026)."""
_REQUEST_ROOM: Final = 1_000_000  # for the prompt, the system instruction and JSON framing
_MP3_OVERHEAD: Final = 4096  # bytes of an MP3 beyond bit rate x duration: its Info frame and LAME's delay
_LOSSY: Final = frozenset({"mp3", "aac", "vorbis", "opus"})  # the lossy codecs the API accepts


def must_transcode(info: AudioInfo) -> bool:
    """Whether the API would refuse the file as it is (M4A, Opus, WebM, a video, ...)."""
    return not info.api_accepts


def is_compact(info: AudioInfo) -> bool:
    """Whether an accepted file is already compact: a lossy codec at no more than
    :data:`COMPACT_MAX_BIT_RATE` on average (MP3/AAC speech), so re-encoding it would save little."""
    return (
        info.api_accepts
        and info.codec in _LOSSY
        and info.bit_rate is not None
        and info.bit_rate <= COMPACT_MAX_BIT_RATE
    )


def passes_through(
    info: AudioInfo, profile: Profile, start: float | None = None, end: float | None = None
) -> bool:
    """Whether ``profile`` sends ``[start, end)`` (seconds, None: the file's start / end) of the file as the
    file itself (see the module docstring).

    Raises:
        InvalidTimeRangeError: the range does not fit the audio.
    """
    whole = resolve_seconds(start, end, info.duration_seconds).covers(info.duration_seconds)
    if not info.api_accepts or not whole:
        return False
    if profile == "original":
        return True
    if profile == "compact":
        return is_compact(info)
    return info.codec == "flac" and info.sample_rate <= SPEECH_RATE and info.channels == 1


def compact_bit_rate(seconds: float) -> int:
    """The ``compact`` MP3 bit rate for ``seconds`` of audio: the best of :data:`COMPACT_BIT_RATES` whose
    file, base64-encoded (4/3 of its size), fits one inline request with room for the prompt. 9.5 hours
    (the API's most per request) fit at 16 kbps."""
    budget = (INLINE_REQUEST_BYTES - _REQUEST_ROOM) * 3 // 4
    for bit_rate in COMPACT_BIT_RATES:
        if seconds * bit_rate / 8 + _MP3_OVERHEAD <= budget:
            return bit_rate
    return COMPACT_BIT_RATES[-1]
