"""Duration, sample rate, channels and codec of a local audio file, read from headers without decoding.

Container durations lie for the formats that matter most (see DESIGN.md, "Facts measured here"), so each
format is measured where its length is actually written:

* WAV / AIFF: the data chunk size (exact). FLAC: STREAMINFO's sample count, checked against the last frame.
* MP3: the Xing/Info/VBRI header with LAME's encoder delay and padding; without one (or when files were
  joined after it), frame headers are hopped over (4 bytes read per frame, nothing decoded).
* ADTS AAC: every frame header, 1024 samples per raw block (the format has no length field at all).
* Big Xing-less MP3 files (over ``sample_above_bytes``): frame headers sampled in windows spread over the
  file (:mod:`._sampling`); CBR is then exact arithmetic, anything else is kept only if its error bar is
  under 0.15% (``duration_exact`` False), else every frame is walked as for small files. ADTS is sampled
  only if ``_sampling.SAMPLE_ADTS`` is set (off: digital silence can hide from the sample).
* OGG Vorbis: the granule position of the last page (checked for plausibility against the first page).

Cost (``python -m bench.probe``): a few small reads, well under 0.1 ms, whatever the length, for all but
two cases. ADTS and Xing-less MP3 have no length anywhere: sampling costs ~1-2 ms whatever the length and
is exact for CBR MP3, but on VBR content its error bar is 0.5-5% (measured by the bench on speech,
silence, tones and noise), so such files still get the exact walk: linear, ~40-120 ms per 2 hours here.

Each result is the length FFmpeg's decoder produces (what :func:`~.decode.decode_pcm` returns), so a range
validated against it is one the clipper can cut. ``start_time`` is the offset of the first sample on the
container's timeline (LAME MP3s: encoder delay + 529 samples, 25 ms at 44.1 kHz) as PyAV reports it.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ..errors import CorruptAudioError
from ._files import open_regular_file
from ._flac import flac_facts
from ._mpeg import id3v2_end
from ._mpeg_facts import adts_facts, mp3_facts
from ._ogg import ogg_facts
from ._pcm import aiff_facts, wav_facts
from ._sampling import SAMPLE_ABOVE_BYTES
from .formats import AudioFormat, mime_type_for
from .sniff import HEAD_BYTES, _sniff, _sniff_after_id3


@dataclass(frozen=True)
class AudioInfo:
    """What :func:`probe_audio` found. ``bit_rate`` is the average over the file (bits/s), None if unknown.

    ``duration_exact`` is False when the duration was estimated from a sample of frame headers (big
    Xing-less VBR MP3 or ADTS AAC files): then it is within ~0.5% (3x its error bar) of the decoded length,
    and a range ending near the end may really end a little earlier or later.
    """

    format: AudioFormat
    codec: str
    mime_type: str
    duration_seconds: float
    sample_rate: int
    channels: int
    size_bytes: int
    bit_rate: int | None
    start_time: float = 0.0
    duration_exact: bool = True


def _pread(descriptor: int, offset: int, count: int) -> bytes:
    return os.pread(descriptor, count, offset)


def probe_audio(path: Path | str, *, sample_above_bytes: int = SAMPLE_ABOVE_BYTES) -> AudioInfo:
    """Read the facts of the audio file at ``path`` from its headers (cheap even for hours of audio).

    ``sample_above_bytes``: Xing-less MP3 and ADTS files bigger than this may be sampled rather than
    walked frame by frame (a parameter so tests can exercise sampling on small files).

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
            fmt = _sniff_after_id3(handle.read(HEAD_BYTES), size - tag_end, label)
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
                measure = mp3_facts if fmt == "mp3" else adts_facts
                descriptor = handle.fileno()
                facts = measure(data, size, label, sample_above_bytes, partial(_pread, descriptor))
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
        duration_exact=facts.exact,
    )
