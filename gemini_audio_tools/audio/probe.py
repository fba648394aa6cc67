"""Duration, sample rate, channels and codec of a local audio file, read from headers without decoding.

Container durations lie for the formats that matter most (see DESIGN.md, "Facts measured here"), so each
format is measured where its length is actually written:

* WAV / AIFF: the data chunk size (exact). FLAC: STREAMINFO's sample count, checked against the last frame.
* MP3: the Xing/Info/VBRI header with LAME's encoder delay and padding; without one, frame headers are
  hopped over (4 bytes read per frame, nothing decoded).
* ADTS AAC: frame headers hopped over, 1024 samples per raw block (the format has no length field).
* OGG Vorbis: the granule position of the last page.

Each result is the length FFmpeg's decoder produces (what :func:`~.decode.decode_pcm` returns), so a range
validated against it is one the clipper can cut. ``start_time`` is the offset of the first sample on the
container's timeline (LAME MP3s: encoder delay + 529 samples, 25 ms at 44.1 kHz) as PyAV reports it.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorruptAudioError
from ._facts import StreamFacts, corrupt, truncated
from ._files import open_regular_file
from ._flac import flac_facts
from ._mpeg import MP3_DECODER_DELAY, adts_frame_at, id3v2_end, mpeg_frame_at, read_xing, scan_adts, scan_mpeg
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
                facts = _mp3_facts(data, size, label) if fmt == "mp3" else _adts_facts(data, size, label)
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


def _first_frame(data: mmap.mmap, size: int, start: int, label: str, find: object) -> int:
    """Offset of the first frame header at or after ``start`` (encoders may leave a few junk bytes)."""
    for pos in range(start, min(size - 4, start + HEAD_BYTES)):
        if data[pos] == 0xFF and find(data, pos) is not None:  # type: ignore[operator]
            return pos
    raise corrupt(label, "no audio frame was found where the audio should start")


def _mp3_facts(data: mmap.mmap, size: int, label: str) -> StreamFacts:
    start = _first_frame(data, size, id3v2_end(data), label, mpeg_frame_at)
    frame = mpeg_frame_at(data, start)
    assert frame is not None
    xing = read_xing(data, start, frame)
    if xing is not None and xing.frames:
        samples = xing.frames * frame.samples
        audio_bytes = xing.audio_bytes or size - start
        if xing.audio_bytes and start + xing.audio_bytes > size:
            missing = start + xing.audio_bytes - size
            raise truncated(
                label, f"its MP3 header announces {xing.audio_bytes} bytes of audio, {missing} are missing"
            )
        start_time = 0.0
        if xing.encoder_delay is not None and xing.padding is not None:
            samples -= xing.encoder_delay + xing.padding
            start_time = (xing.encoder_delay + MP3_DECODER_DELAY) / frame.sample_rate
        return StreamFacts("mp3", frame.sample_rate, frame.channels, samples, audio_bytes, start_time)
    scan = scan_mpeg(data, start, size)
    if scan.truncated:
        raise truncated(label, f"it ends inside an MP3 frame after {scan.samples / frame.sample_rate:.3f} s")
    samples = scan.samples - (
        frame.samples if xing is not None else 0
    )  # an Info frame without a count is silent
    return StreamFacts("mp3", frame.sample_rate, frame.channels, samples, scan.end - start)


def _adts_facts(data: mmap.mmap, size: int, label: str) -> StreamFacts:
    start = _first_frame(data, size, id3v2_end(data), label, adts_frame_at)
    frame = adts_frame_at(data, start)
    assert frame is not None
    scan = scan_adts(data, start, size)
    if scan.truncated:
        raise truncated(label, f"it ends inside an AAC frame after {scan.samples / frame.sample_rate:.3f} s")
    channels = frame.channels or 2  # 0 means "set in the stream"; FFmpeg then reports what it decodes
    return StreamFacts("aac", frame.sample_rate, channels, scan.samples, scan.end - start)
