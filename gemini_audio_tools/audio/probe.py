"""Duration, sample rate, channels, container, codec and track of a local audio (or video) file, without
decoding it.

Container durations lie for the formats that matter most (a VBR MP3 without a Xing header, ADTS AAC), so each
format is measured where its length is actually written:

* WAV / AIFF: the data chunk size (exact). FLAC: STREAMINFO's sample count, checked against the last frame.
* MP3: the Xing/Info/VBRI header with LAME's encoder delay and padding; without one (or when files were
  joined after it), every frame header is hopped over (a few bytes read per frame, nothing decoded).
* ADTS AAC: every frame header, 1024 samples per raw block (the format has no length field at all).
* OGG Vorbis: the granule position of the last page (checked for plausibility against the first page).
* Any other container FFmpeg reads (M4A/MP4/MOV/3GP, Matroska/WebM, Ogg Opus, AMR, WMA, CAF, a video's
  sound, ...): see :mod:`._container` (MP4 sample tables and edit lists, Opus granules, or counting packets).

Cost (``python -m bench.probe``): a few small reads, well under 0.1 ms, whatever the length, for all but
two of the six formats the API accepts. ADTS and Xing-less MP3 state no length anywhere, so their exact
length costs a read of every frame header: long files are walked in many stretches at once (:mod:`._walk`).
Every duration is exact: an estimate from a sample of the file can be off by any amount (a minute of
digital silence is ~28 KB of AAC that a sample easily misses), and a tool must not guess a length.

Each result is the length the range decoder produces (what :func:`~.decode.decode_pcm` returns), so a range
validated against it is one the clipper can cut. ``start_time`` is the offset of the first sample on the
container's timeline (LAME MP3s: encoder delay + 529 samples, 25 ms at 44.1 kHz) as PyAV reports it.
"""

from __future__ import annotations

import contextlib
import mmap
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import CorruptAudioError
from ._container import ContainerFacts, container_facts
from ._facts import CompressedPcmContainer, StreamFacts
from ._files import open_regular_file
from ._flac import flac_facts
from ._mpeg import id3v2_end
from ._mpeg_facts import adts_facts, mp3_facts
from ._ogg import ogg_facts
from ._pcm import aiff_facts, wav_facts
from ._tracks import no_such_track
from .formats import FORMATS, file_mime_type
from .sniff import HEAD_BYTES, _sniff, _sniff_after_id3

_CONTAINER_OF = {"aac": "adts"}  # the six accepted formats' containers, where the name differs


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`probe_audio` found about one audio track of a file.

    ``format`` is what the file is, as its usual extension ("m4a", "mp4", "webm", "opus", ...; one of
    :data:`~.formats.FORMATS` for the formats the API accepts), ``container`` and ``codec`` what holds and
    encodes the audio ("mp4" / "aac", "ogg" / "opus"). ``api_accepts`` says whether the Gemini API takes the
    file as is; only then is ``mime_type`` one it accepts (otherwise it is the file's usual MIME type, for
    display). ``track`` is the audio track measured (0-based among the file's ``audio_tracks``).
    ``bit_rate`` is that track's average over the file (bits/s), None if unknown.
    """

    format: str
    codec: str
    mime_type: str
    duration_seconds: float
    sample_rate: int
    channels: int
    size_bytes: int
    bit_rate: int | None
    start_time: float = 0.0
    container: str = ""
    api_accepts: bool = True
    track: int = 0
    audio_tracks: int = 1
    has_video: bool = False


def probe_audio(path: Path | str, track: int | None = None) -> AudioInfo:
    """Read the facts of audio track ``track`` (None: the file's default audio track, else its first) of
    the file at ``path`` from its headers (cheap even for hours of audio; see the module docstring).

    Raises:
        AudioFileNotFoundError: nothing readable at ``path``.
        UnsupportedAudioError: not audio (text, an image, a document, a video without sound, ...); the
            message says what it is.
        CorruptAudioError: empty, truncated or damaged.
        InvalidArgumentError: there is no audio track ``track``.
    """
    path = Path(path)
    label = f"'{path.name}'"
    with open_regular_file(path) as (handle, size):
        head = handle.read(HEAD_BYTES)
        tag_end = id3v2_end(head)
        if len(head) - 4 < tag_end < size:
            handle.seek(tag_end)
            kind = _sniff_after_id3(handle.read(HEAD_BYTES), size - tag_end, label, size)
        else:
            kind = _sniff(head, size, label)
        facts = None
        if kind in FORMATS:
            if track not in (None, 0):
                raise no_such_track(track, 1, label)
            with contextlib.suppress(CompressedPcmContainer):  # compressed audio in WAV/AIFC: FFmpeg reads it
                facts = _native_facts(kind, handle, size, label, path)
    if facts is not None:
        return _info(facts, kind, _CONTAINER_OF.get(kind, kind), size, label)
    found = container_facts(path, kind, size, label, track)
    return _info(found.facts, found.format, found.container, size, label, found)


def _native_facts(kind: str, handle: BinaryIO, size: int, label: str, path: Path) -> StreamFacts:
    """Facts of one of the six accepted formats, from its own headers."""
    if kind == "wav":
        return wav_facts(handle, size, label)
    if kind == "aiff":
        return aiff_facts(handle, size, label)
    if kind == "flac":
        return flac_facts(handle, size, label)
    if kind == "ogg":
        return ogg_facts(handle, size, label, path)
    with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return (mp3_facts if kind == "mp3" else adts_facts)(data, size, label)


def _info(
    facts: StreamFacts, fmt: str, container: str, size: int, label: str, found: ContainerFacts | None = None
) -> AudioInfo:
    """The public facts; ``found`` is None for the six formats read from their own headers (accepted)."""
    if facts.samples <= 0:
        raise CorruptAudioError(f"{label} contains no audio samples (its length is 0 seconds).")
    duration = facts.samples / facts.sample_rate
    return AudioInfo(
        format=fmt,
        codec=facts.codec,
        mime_type=file_mime_type(fmt),
        duration_seconds=duration,
        sample_rate=facts.sample_rate,
        channels=facts.channels,
        size_bytes=size,
        bit_rate=round(facts.audio_bytes * 8 / duration) if duration > 0 else None,
        start_time=facts.start_time,
        container=container,
        api_accepts=found is None,
        track=0 if found is None else found.track,
        audio_tracks=1 if found is None else found.audio_tracks,
        has_video=found is not None and found.has_video,
    )
