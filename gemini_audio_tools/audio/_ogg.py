"""Ogg Vorbis: the length is the granule position (a sample count) of the stream's last page.

The identification header in the first page gives channels, rate and the nominal bit rate; the last page
is found by scanning the file's last 64 KiB (an Ogg page is at most 65,307 bytes) backwards for ``OggS``.
Files written by FFmpeg's experimental native encoder carry wrong granules (1.9 s for 30 s was measured),
so a length that implies a bit rate far above the header's nominal rate is not trusted; those files are
measured by demuxing packet durations instead (no decoding, still linear in the file, but rare).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

import av

from ._facts import StreamFacts, corrupt, truncated

_MAX_PAGE = 65307
_NO_GRANULE = 0xFFFFFFFFFFFFFFFF


def ogg_facts(handle: BinaryIO, size: int, label: str, path: Path) -> StreamFacts:
    """Facts from the Vorbis identification header and the granule position of the last page.

    Raises:
        CorruptAudioError: the first page is not a Vorbis header, or the last page is cut off.
    """
    handle.seek(0)
    first = handle.read(27 + 255 + 30)
    serial = struct.unpack("<I", first[14:18])[0]
    ident = first[27 + first[26] :][:30]
    if len(ident) < 30 or ident[:7] != b"\x01vorbis":
        raise corrupt(label, "its first Ogg page does not hold a Vorbis identification header")
    channels, rate, _maximum, nominal = struct.unpack("<BIiI", ident[11:24])
    if channels == 0 or rate == 0:
        raise corrupt(label, f"its Vorbis header says {channels} channels at {rate} Hz")
    tail_start = max(0, size - _MAX_PAGE - 27 - 255)
    handle.seek(tail_start)
    tail = handle.read()
    granule = _last_granule(tail, serial, size - tail_start, label)
    if granule is None:
        raise truncated(label, "no complete Ogg page with a sample position was found at its end")
    nominal_bps = nominal if 0 < nominal < 0x7FFFFFFF else 0
    if granule == 0 or (nominal_bps and size * 8 / (granule / rate) > 4 * nominal_bps + 64_000):
        granule = _demuxed_samples(path, rate, label)
    return StreamFacts("vorbis", rate, channels, granule, size)


def _last_granule(tail: bytes, serial: int, tail_size: int, label: str) -> int | None:
    pos = len(tail)
    while True:
        pos = tail.rfind(b"OggS", 0, pos)
        if pos < 0:
            return None
        header = tail[pos : pos + 27]
        if len(header) < 27 or header[4] != 0:
            continue
        granule, page_serial = struct.unpack("<QI", header[6:18])
        segments = header[26]
        lacing = tail[pos + 27 : pos + 27 + segments]
        end = pos + 27 + segments + sum(lacing)
        if end > tail_size:
            if len(lacing) == segments and _is_page_header(tail, pos):
                raise truncated(label, "its last Ogg page is cut off")
            continue
        if page_serial == serial and granule != _NO_GRANULE:
            return int(granule)


def _is_page_header(tail: bytes, pos: int) -> bool:
    """A real page header (not ``OggS`` bytes inside packet data) has version 0 and sane flags."""
    return tail[pos + 4] == 0 and tail[pos + 5] & 0xF8 == 0


def _demuxed_samples(path: Path, rate: int, label: str) -> int:
    """Sum of packet durations from the demuxer: right even when the granules are wrong."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            total = 0
            for packet in container.demux(stream):
                if packet.duration:
                    total += packet.duration
            return round(total * stream.time_base * rate) if stream.time_base else total
    except av.FFmpegError as exc:
        raise corrupt(label, f"its Ogg pages could not be read ({exc})") from None
