"""Ogg Vorbis and Opus: the length is the granule position (a sample count) of the stream's last page.

The identification header in the first page gives channels, rate and the nominal bit rate; the last page
is found by scanning the file's last 64 KiB (an Ogg page is at most 65,307 bytes) backwards for ``OggS``.
Files written by FFmpeg's experimental native encoder carry wrong granules (1.9 s for 30 s was measured),
so the first audio page's granule is checked against the number of packets before it (each Vorbis packet
yields between blocksize_0/2 and blocksize_1/2 samples). Files that fail are measured by decoding them:
slow, but right, and rare (real-world OGGs come from libvorbis).

An Ogg Opus stream's granule counts 48 kHz samples including the pre-skip (the encoder's delay, in its
``OpusHead``), which the decoder drops: its length is the last granule minus the pre-skip.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

import av

from ._facts import StreamFacts, corrupt, truncated

_MAX_PAGE = 65307
_NO_GRANULE = 0xFFFFFFFFFFFFFFFF
_HEADER_PACKETS = 3  # identification, comment, setup


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
    channels, rate = struct.unpack("<BI", ident[11:16])
    if channels == 0 or rate == 0:
        raise corrupt(label, f"its Vorbis header says {channels} channels at {rate} Hz")
    tail_start = max(0, size - _MAX_PAGE - 27 - 255)
    handle.seek(tail_start)
    tail = handle.read()
    granule = _last_granule(tail, serial, size - tail_start, label)
    if granule is None:
        raise truncated(label, "no complete Ogg page with a sample position was found at its end")
    if granule == 0 or not _first_page_plausible(first_pages(handle), serial, ident[28]):
        granule = _decoded_samples(path, label)
    return StreamFacts("vorbis", rate, channels, granule, size)


def opus_samples(handle: BinaryIO, size: int, label: str) -> int:
    """The decoded length (48 kHz samples) of the Ogg Opus stream whose ``OpusHead`` is the file's first
    packet: its last page's granule position minus the pre-skip.

    Raises:
        CorruptAudioError: the first page holds no Opus header, the last page is cut off, or the granule
            is below the pre-skip.
    """
    handle.seek(0)
    first = handle.read(27 + 255 + 19)
    serial = struct.unpack("<I", first[14:18])[0]
    head = first[27 + first[26] :][:19]
    if len(head) < 19 or head[:8] != b"OpusHead":
        raise corrupt(label, "its first Ogg page does not hold an Opus header")
    (pre_skip,) = struct.unpack("<H", head[10:12])
    tail_start = max(0, size - _MAX_PAGE - 27 - 255)
    handle.seek(tail_start)
    granule = _last_granule(handle.read(), serial, size - tail_start, label)
    if granule is None:
        raise truncated(label, "no complete Ogg page with a sample position was found at its end")
    if granule < pre_skip:
        raise corrupt(label, "its last page's sample position lies before the first sample")
    return int(granule) - int(pre_skip)


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


def first_pages(handle: BinaryIO) -> bytes:
    """The file's first 64 KiB: the header pages and the first audio pages."""
    handle.seek(0)
    return handle.read(65536)


def _first_page_plausible(head: bytes, serial: int, blocksizes: int) -> bool:
    """Whether the first audio page's granule fits the packets before it.

    Every Vorbis audio packet after the first yields between ``blocksize_0 / 2`` and ``blocksize_1 / 2``
    samples, so the granule of a page bounds the number of packets completed by then (with slack for the
    trimming the format allows). Encoders that write garbage granules fail this on their first page.
    """
    small, large = 1 << (blocksizes & 0xF), 1 << (blocksizes >> 4)
    pos, packets = 0, 0
    while pos + 27 <= len(head):
        if head[pos : pos + 4] != b"OggS":
            return True  # cannot tell; trust the granule
        granule, page_serial = struct.unpack("<QI", head[pos + 6 : pos + 18])
        segments = head[pos + 26]
        lacing = head[pos + 27 : pos + 27 + segments]
        if page_serial == serial:
            packets += sum(1 for value in lacing if value < 255)
            audio_packets = packets - _HEADER_PACKETS
            if audio_packets > 1 and granule != _NO_GRANULE:
                low, high = (audio_packets - 1) * small // 4 - large, audio_packets * large // 2 + large
                return bool(low <= granule <= high)
        pos += 27 + segments + sum(lacing)
    return True


def _is_page_header(tail: bytes, pos: int) -> bool:
    """A real page header (not ``OggS`` bytes inside packet data) has version 0 and sane flags."""
    return tail[pos + 4] == 0 and tail[pos + 5] & 0xF8 == 0


def _decoded_samples(path: Path, label: str) -> int:
    """Samples the decoder produces: slow (the whole file is decoded) but right when granules are wrong."""
    try:
        with av.open(str(path)) as container:
            return sum(frame.samples for frame in container.decode(audio=0))
    except av.FFmpegError as exc:
        raise corrupt(label, f"its Vorbis audio could not be decoded ({exc})") from None
