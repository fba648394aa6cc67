"""Facts of audio in any container FFmpeg reads (M4A/MP4/MOV/3GP, Matroska/WebM, Ogg Opus, AMR, WMA, CAF,
the sound of a video, ...), with its exact decoded length.

Each length is what the range decoder (:mod:`.decode`) produces, measured where it is cheapest to know:

* **MP4 family** (``mov`` demuxer): the track's length after its edit list, from the sample tables FFmpeg
  reads when it opens the file (nothing else is read). The edit list also trims the AAC encoder's priming
  at the start (FFmpeg's decoder drops it) and its padding at the end (the range decoder stops there:
  FFmpeg's decoder alone would play ~20 ms of padding). A file whose tables point past its end is truncated.
* **Ogg Opus**: the last page's granule position minus the pre-skip (:func:`~._ogg.opus_samples`).
* **CAF**: its packet table's frame count, as FFmpeg reports it.
* **Everything else** (Matroska/WebM, AMR, ASF, AVI, MPEG-TS, ...): every packet is read, not decoded, and
  its samples counted (:mod:`._count`); codecs whose packets do not say their length are decoded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import av

from ..errors import CorruptAudioError, UnsupportedAudioError
from ..sizes import format_size
from ._count import PacketCounter, counted_samples
from ._facts import StreamFacts, truncated
from ._feed import exact_ticks, track_end
from ._files import open_regular_file
from ._ogg import opus_samples
from ._open import open_audio
from ._packets import decode_packet
from ._tracks import audio_streams, choose_track, has_video
from .formats import describe
from .sniff import ADVICE, UNKNOWN

_ISO_KINDS = frozenset({"mp4", "m4a", "mov", "3gp"})


@dataclass(frozen=True)
class ContainerFacts:
    """What :func:`container_facts` found: the chosen track's facts, what the file is, and its tracks."""

    facts: StreamFacts
    format: str
    container: str
    track: int
    audio_tracks: int
    has_video: bool


def container_facts(path: Path, kind: str, size: int, label: str, track: int | None) -> ContainerFacts:
    """Open ``path`` (sniffed as ``kind``, see :mod:`.sniff`) with FFmpeg and measure audio track ``track``
    (None: the default one).

    Raises:
        UnsupportedAudioError: FFmpeg reads no audio in it (not audio at all, or no audio track).
        CorruptAudioError: damaged or truncated (an MP4 missing its index, data cut off, ...).
        InvalidArgumentError: there is no audio track ``track``.
    """
    sized = f"{label} ({format_size(size)})"
    try:
        with open_audio(path) as container:
            streams = audio_streams(container)
            video = has_video(container)
            name = _format_name(kind, video, container)
            if not streams:
                what = (
                    "has no audio track: it is not audio, or a picture or video without sound"
                    if kind == UNKNOWN
                    else f"is {describe(name)} with no audio track, so there is no sound in it to use"
                )
                raise UnsupportedAudioError(f"{sized} {what}; {ADVICE}.")
            index = choose_track(streams, track, label)
            stream = streams[index]
            samples, audio_bytes = _measure(path, kind, container, stream, size, label)
            codec = stream.codec.canonical_name
            rate, channels = stream.sample_rate, stream.codec_context.channels
            start = (
                float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
            )
            return ContainerFacts(
                StreamFacts(codec, rate, channels, samples, audio_bytes, start),
                name,
                _container_name(kind, container.format.name),
                index,
                len(streams),
                video,
            )
    except av.FFmpegError as exc:
        raise _unreadable(path, kind, size, sized, exc) from None


def _measure(
    path: Path, kind: str, container: Any, stream: av.AudioStream, size: int, label: str
) -> tuple[int, int]:
    """The stream's decoded length in samples and its bytes (see the module docstring)."""
    demuxer = container.format.name
    end = track_end(container, stream)
    if end is not None:
        return _mov_samples(stream, end, size, label)
    if kind == "opus" and stream.index == 0 and stream.codec.canonical_name == "opus":
        with open_regular_file(path) as (handle, _):
            return opus_samples(handle, size, label), size
    if demuxer == "caf" and stream.duration and stream.time_base and exact_ticks(stream):
        return round(stream.duration * stream.time_base * stream.sample_rate), size
    if PacketCounter(stream).countable:
        return counted_samples(container, stream)
    return _decoded_samples(container, stream)


def _mov_samples(stream: av.AudioStream, end: float, size: int, label: str) -> tuple[int, int]:
    """An MP4-family track's length after its edit list, and its bytes (from the bit rate FFmpeg reads
    from the sample tables), checked against the file's size."""
    entries = stream.index_entries
    count = len(entries)
    if count and (last := entries[count - 1]).pos + last.size > size:
        missing = last.pos + last.size - size
        raise truncated(
            label, f"its index lists audio data past the end of the file ({missing} bytes missing)"
        )
    audio_bytes = round((stream.bit_rate or 0) * end / 8) or size
    return round(end * stream.sample_rate), audio_bytes


def _decoded_samples(container: Any, stream: av.AudioStream) -> tuple[int, int]:
    """Samples the decoder makes of every packet (damaged ones skipped, as the range decoder skips them)."""
    samples = audio_bytes = 0
    for packet in container.demux(stream):
        audio_bytes += packet.size
        samples += sum(frame.samples for frame in decode_packet(packet) or ())
    return samples, audio_bytes


def _format_name(kind: str, video: bool, container: Any) -> str:
    """The file's short name (its usual extension) from what was sniffed and what FFmpeg found."""
    if kind in ("mp4", "m4a"):
        return "mp4" if video else "m4a"
    if kind == "matroska":
        return "mkv" if video else "mka"
    if kind in ("opus", "oga", "ogv"):
        return "ogv" if video else kind
    if kind == "asf":
        return "wmv" if video else "wma"
    if kind == UNKNOWN:
        return str(container.format.name).split(",")[0]
    return kind


def _container_name(kind: str, demuxer: str) -> str:
    """The container's name: the MP4 family by brand (mp4, mov, 3gp), others by FFmpeg's demuxer name."""
    if kind in _ISO_KINDS:
        return {"m4a": "mp4"}.get(kind, kind)
    if kind in ("opus", "oga", "ogv"):
        return "ogg"
    if kind in ("matroska", "webm"):
        return kind
    return demuxer.split(",")[0]


def _unreadable(path: Path, kind: str, size: int, label: str, exc: av.FFmpegError) -> Exception:
    """The error for a file FFmpeg cannot open: not audio, truncated, or damaged."""
    if kind == UNKNOWN:
        return UnsupportedAudioError(
            f"{label} is not audio in any format we recognise (binary data that is neither audio nor a "
            f"known document, image, archive or video format); {ADVICE}."
        )
    what = describe(kind)
    if kind in _ISO_KINDS:
        with open_regular_file(path) as (handle, _):
            boxes = _top_level_boxes(handle, size)
        if b"moov" not in boxes:
            return truncated(
                label, f"it is {what} whose index (the 'moov' box, which recorders write last) is missing"
            )
    return CorruptAudioError(
        f"{label} is {what}, but it cannot be read ({exc.__class__.__name__}); it is damaged or "
        "truncated. Re-export or re-download the file."
    )


def _top_level_boxes(handle: BinaryIO, size: int, limit: int = 4096) -> list[bytes]:
    """The types of an ISO media file's top-level boxes, up to the first that runs past the end."""
    found: list[bytes] = []
    pos = 0
    while pos + 8 <= size and len(found) < limit:
        handle.seek(pos)
        header = handle.read(16)
        length, box = struct.unpack(">I4s", header[:8])
        if length == 1 and len(header) == 16:
            (length,) = struct.unpack(">Q", header[8:16])
        elif length == 0:
            length = size - pos
        if length < 8 or pos + length > size:
            break
        found.append(box)
        pos += length
    return found
