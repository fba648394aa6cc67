"""Duration, sample rate, channels and codec of a local audio file, read from headers without decoding.

Container durations lie for the formats that matter most (see DESIGN.md, "Facts measured here"), so each
format is measured where its length is actually written:

* WAV / AIFF: the data chunk size (exact). FLAC: STREAMINFO's sample count, checked against the last frame.
* MP3: the Xing/Info/VBRI header with LAME's encoder delay and padding; without one (or when files were
  joined after it), every frame header is hopped over (a few bytes read per frame, nothing decoded).
* ADTS AAC: every frame header, 1024 samples per raw block (the format has no length field at all).
* OGG Vorbis: the granule position of the last page (checked for plausibility against the first page).

Cost (``python -m bench.probe``): a few small reads, well under 0.1 ms, whatever the length, for all but
two cases. ADTS and Xing-less MP3 state no length anywhere, so their exact length costs a read of every
frame header: long files are walked in many stretches at once (:mod:`._walk`), ~15-20 ms per 2 hours
here. Every duration is exact: an estimate from a sample of the file can be off by any amount (a minute of
digital silence is ~28 KB of AAC that a sample easily misses), and a tool must not guess a length.

Each result is the length FFmpeg's decoder produces (what :func:`~.decode.decode_pcm` returns), so a range
validated against it is one the clipper can cut. ``start_time`` is the offset of the first sample on the
container's timeline (LAME MP3s: encoder delay + 529 samples, 25 ms at 44.1 kHz) as PyAV reports it.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorruptAudioError
from ._files import open_regular_file
from ._flac import flac_facts
from ._mpeg import id3v2_end
from ._mpeg_facts import adts_facts, mp3_facts
from ._ogg import ogg_facts
from ._pcm import aiff_facts, wav_facts
from .formats import AudioFormat, mime_type_for
from .sniff import HEAD_BYTES, _sniff, _sniff_after_id3


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`probe_audio` found. ``bit_rate`` is the average over the file (bits/s), None if unknown."""

    format: AudioFormat
    codec: str
    mime_type: str
    duration_seconds: float
    sample_rate: int
    channels: int
    size_bytes: int
    bit_rate: int | None
    start_time: float = 0.0


def probe_audio(path: Path | str) -> AudioInfo:
    """Read the facts of the audio file at ``path`` from its headers (cheap even for hours of audio).

    Raises:
        AudioFileNotFoundError: nothing readable at ``path``.
        UnsupportedAudioError: not audio in a format Gemini accepts (video, M4A, text, …); the message
            says what it is and how to convert it.
        CorruptAudioError: empty, truncated or damaged.
    """
    path = Path(path)
    label = f"'{path.name}'"
    with open_regular_file(path) as (handle, size):
        head = handle.read(HEAD_BYTES)
        tag_end = id3v2_end(head)
        if len(head) - 4 < tag_end < size:
            handle.seek(tag_end)
            fmt = _sniff_after_id3(handle.read(HEAD_BYTES), size - tag_end, label, size)
        else:
            fmt = _sniff(head, size, label)
        if fmt == "wav":
            facts = wav_facts(handle, size, label)
        elif fmt == "aiff":
            facts = aiff_facts(handle, size, label)
        elif fmt == "flac":
            facts = flac_facts(handle, size, label)
        elif fmt == "ogg":
            facts = ogg_facts(handle, size, label, path)
        else:
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                facts = (mp3_facts if fmt == "mp3" else adts_facts)(data, size, label)
    if facts.samples <= 0:
        raise CorruptAudioError(f"{label} contains no audio samples (its length is 0 seconds).")
    duration = facts.samples / facts.sample_rate
    return AudioInfo(
        format=fmt,
        codec=facts.codec,
        mime_type=mime_type_for(fmt),
        duration_seconds=duration,
        sample_rate=facts.sample_rate,
        channels=facts.channels,
        size_bytes=size,
        bit_rate=round(facts.audio_bytes * 8 / duration) if duration > 0 else None,
        start_time=facts.start_time,
    )
