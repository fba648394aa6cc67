"""Frame headers of MPEG audio (MP3) and ADTS AAC: parsing, and counting frames without decoding.

Neither format stores a reliable length: an MP3 may carry a Xing/Info/VBRI header written by its encoder
(with LAME's encoder delay and padding), an ADTS stream never does. Without one, the only honest duration is
frames × samples per frame, and a frame's length is in its 4- or 7-byte header, so we hop from header to
header over a memory map (long files: many stretches at once, see :mod:`._walk`). That reads headers
only; nothing is decoded.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._walk import BAD, Framing, Ints, Words, walk_frames

_MPEG_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_BITRATES_V1 = {
    1: (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    2: (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
}
_BITRATES_V2 = {
    1: (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    3: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
MP3_DECODER_DELAY = 529
"""Samples FFmpeg's MP3 decoder skips on top of LAME's declared encoder delay (528 + 1, per the LAME spec)."""


@dataclass(frozen=True)
class MpegFrame:
    """One MPEG audio frame header. ``layer`` is 1, 2 or 3; ``version`` is 1, 2 or 2.5 (as 25)."""

    version: int
    layer: int
    sample_rate: int
    channels: int
    length: int
    samples: int
    bitrate: int


def parse_mpeg_header(b0: int, b1: int, b2: int, b3: int) -> MpegFrame | None:
    """The frame described by four header bytes, or None if they are not a valid (non free-format) header."""
    if b0 != 0xFF or (b1 & 0xE0) != 0xE0:
        return None
    version_bits, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index, padding = b2 >> 4, (b2 >> 2) & 3, (b2 >> 1) & 1
    if version_bits == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    layer = 4 - layer_bits
    table = _BITRATES_V1 if version_bits == 3 else _BITRATES_V2
    bitrate = table[layer][bitrate_index] * 1000
    rate = _MPEG_RATES[version_bits][rate_index]
    if layer == 1:
        length, samples = (12 * bitrate // rate + padding) * 4, 384
    elif layer == 2 or version_bits == 3:
        length, samples = 144 * bitrate // rate + padding, 1152
    else:
        length, samples = 72 * bitrate // rate + padding, 576
    version = {3: 1, 2: 2, 0: 25}[version_bits]
    channels = 1 if (b3 >> 6) == 3 else 2
    return MpegFrame(version, layer, rate, channels, length, samples, bitrate)


def mpeg_frame_at(data: bytes | mmap.mmap, pos: int) -> MpegFrame | None:
    """The MPEG frame header at ``pos`` of ``data``, if there is one."""
    if pos + 4 > len(data):
        return None
    return parse_mpeg_header(data[pos], data[pos + 1], data[pos + 2], data[pos + 3])


@dataclass(frozen=True)
class AdtsFrame:
    """One ADTS frame header: AAC ``profile`` (0 = Main, 1 = LC, …), rate, channels, total frame length."""

    profile: int
    sample_rate: int
    channels: int
    length: int
    samples: int


def adts_frame_at(data: bytes | mmap.mmap, pos: int) -> AdtsFrame | None:
    """The ADTS frame header at ``pos`` of ``data``, if there is one (sync 0xFFF with layer 00)."""
    if pos + 7 > len(data):
        return None
    b0, b1, b2, b3, b4, b5, b6 = data[pos : pos + 7]
    if b0 != 0xFF or (b1 & 0xF6) != 0xF0:
        return None
    rate_index = (b2 >> 2) & 0xF
    length = ((b3 & 3) << 11) | (b4 << 3) | (b5 >> 5)
    header = 7 if b1 & 1 else 9
    if rate_index >= len(ADTS_RATES) or length < header:
        return None
    channels = ((b2 & 1) << 2) | (b3 >> 6)
    return AdtsFrame(b2 >> 6, ADTS_RATES[rate_index], channels, length, 1024 * ((b6 & 3) + 1))


@dataclass(frozen=True)
class FrameScan:
    """Result of hopping over a run of frames: how many, how many samples, where the run stopped."""

    frames: int
    samples: int
    end: int
    truncated: bool


_WORD = struct.Struct(">I")


def scan_mpeg(data: bytes | mmap.mmap, start: int, size: int) -> FrameScan:
    """Hop over consecutive MPEG frames from ``start``; stop at the first non-header (tags, junk) or the end.

    ``truncated`` is set when the last header announces a frame that runs past ``size``. Frame lengths
    depend on header bytes 0-2 only, so they are memoised by those 24 bits; byte 1 and the sample-rate
    bits never change within a stream, which keeps junk after the last frame from passing for frames.
    """
    if start + 4 > size:
        return FrameScan(0, 0, start, truncated=False)
    quick = _walk_quickly(data, start, size, mpeg_framing)
    if quick is not None:
        return quick
    unpack = _WORD.unpack_from
    first = unpack(data, start)[0] >> 8
    fixed, fixed_rate = first >> 8, first & 0x0C
    lengths: dict[int, int] = {}
    pos, frames, per_frame = start, 0, 0
    limit = size - 4
    while pos <= limit:
        key = unpack(data, pos)[0] >> 8
        length = lengths.get(key)
        if length is None:
            frame = parse_mpeg_header(0xFF, (key >> 8) & 0xFF, key & 0xFF, 0)
            if key >> 8 != fixed or key & 0x0C != fixed_rate or frame is None:
                break
            length = lengths[key] = frame.length
            per_frame = frame.samples
        if pos + length > size:
            return FrameScan(frames, frames * per_frame, pos, truncated=True)
        pos += length
        frames += 1
    return FrameScan(frames, frames * per_frame, pos, truncated=False)


def scan_adts(data: bytes | mmap.mmap, start: int, size: int) -> FrameScan:
    """Hop over consecutive ADTS frames from ``start`` (see :func:`scan_mpeg`)."""
    if start + 7 > size:
        return FrameScan(0, 0, start, truncated=False)
    quick = _walk_quickly(data, start, size, adts_framing)
    if quick is not None:
        return quick
    fixed1, fixed2 = data[start + 1], data[start + 2]  # sync, profile, rate and channels never change
    pos, frames, samples = start, 0, 0
    while pos + 7 <= size:
        if data[pos] != 0xFF or data[pos + 1] != fixed1 or data[pos + 2] != fixed2:
            break
        length = ((data[pos + 3] & 3) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        if length < 7:
            break
        if pos + length > size:
            return FrameScan(frames, samples, pos, truncated=True)
        pos += length
        frames += 1
        samples += 1024 * ((data[pos - length + 6] & 3) + 1)
    return FrameScan(frames, samples, pos, truncated=False)


def _walk_quickly(
    data: bytes | mmap.mmap, start: int, size: int, framing: Callable[[bytes], Framing]
) -> FrameScan | None:
    """The whole run from ``start`` to the end of the payload counted by :func:`~._walk.walk_frames`
    (many stretches at once), or None when that cannot prove its count (then hop one frame at a time)."""
    if not isinstance(data, mmap.mmap):
        return None
    end = payload_end(data, size)
    walk = walk_frames(data, start, end, framing(bytes(data[start : start + 4])))
    return None if walk is None else FrameScan(walk.frames, walk.samples, end, truncated=False)


def payload_end(data: bytes | mmap.mmap, size: int) -> int:
    """Where the frames end: before an ID3v1 tag and/or an APEv2 tag at the end of the file."""
    end = size
    if end >= 128 and bytes(data[end - 128 : end - 125]) == b"TAG":
        end -= 128
    if end >= 32 and bytes(data[end - 32 : end - 24]) == b"APETAGEX":
        tag_size = int.from_bytes(data[end - 20 : end - 16], "little")
        has_header = data[end - 9] & 0x80
        end = max(0, end - tag_size - (32 if has_header else 0))
    return end


def adts_framing(head: bytes) -> Framing:
    """ADTS frames whose first three header bytes (sync, profile, rate, channels) are ``head``'s, as
    :func:`scan_adts` counts them: length from the 13-bit field (at least the 7-byte header), 1024
    samples per raw data block."""
    sync = head[:3]
    fixed = int.from_bytes(sync, "big")

    def step(words: Words) -> tuple[Ints, Ints]:
        length = ((words >> 21) & 0x1FFF).astype(np.int64)  # header bytes 3-5
        length += (((words >> 40) != fixed) | (length < 7)) * BAD
        return length, 1024 * ((words >> 8) & 3).astype(np.int64)  # byte 6: raw blocks - 1

    def hop(data: mmap.mmap, pos: int) -> tuple[int, int]:
        length = ((data[pos + 3] & 3) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        return (length if length >= 7 else 0), 1024 * ((data[pos + 6] & 3) + 1)

    return Framing(sync, 1024, step, hop)


def mpeg_framing(head: bytes) -> Framing:
    """MPEG audio frames with ``head``'s version, layer, CRC flag and sample rate, as :func:`scan_mpeg`
    counts them (free-format and reserved bit rates are not frames)."""
    sync, rate_bits = head[:2], head[2] & 0x0C
    lengths = np.full(256, BAD, dtype=np.int64)
    per_frame = 0
    for byte2 in range(256):
        frame = parse_mpeg_header(0xFF, head[1], byte2, 0)
        if frame is not None and byte2 & 0x0C == rate_bits:
            lengths[byte2], per_frame = frame.length, frame.samples
    table = [0 if length == BAD else length for length in lengths.tolist()]  # a list: faster for one hop
    fixed = int.from_bytes(sync, "big")

    def step(words: Words) -> tuple[Ints, None]:
        length = lengths[(words >> 40) & 0xFF]  # header byte 2: bit rate, rate, padding
        length += ((words >> 48) != fixed) * BAD
        return length, None

    def hop(data: mmap.mmap, pos: int) -> tuple[int, int]:
        length: int = table[data[pos + 2]]
        return length, per_frame if length else 0

    return Framing(sync, per_frame, step, hop)


@dataclass(frozen=True)
class XingInfo:
    """What an encoder wrote into the first frame: frame count, byte count, and LAME's delay and padding."""

    frames: int | None
    audio_bytes: int | None
    encoder_delay: int | None
    padding: int | None


def read_xing(data: bytes | mmap.mmap, pos: int, frame: MpegFrame) -> XingInfo | None:
    """The Xing/Info (with LAME tag) or VBRI header inside the frame at ``pos``, if the encoder wrote one."""
    side_info = (
        (32 if frame.channels == 2 else 17) if frame.version == 1 else (17 if frame.channels == 2 else 9)
    )
    at = pos + 4 + side_info
    tag = bytes(data[at : at + 4])
    if tag in (b"Xing", b"Info"):
        (flags,) = struct.unpack(">I", data[at + 4 : at + 8])
        cursor = at + 8
        frames = audio_bytes = None
        if flags & 1:
            (frames,) = struct.unpack(">I", data[cursor : cursor + 4])
            cursor += 4
        if flags & 2:
            (audio_bytes,) = struct.unpack(">I", data[cursor : cursor + 4])
            cursor += 4
        cursor += (100 if flags & 4 else 0) + (4 if flags & 8 else 0)
        delay = padding = None
        encoder = bytes(data[cursor : cursor + 4])
        if len(encoder) == 4 and encoder.isalnum() and cursor + 24 <= len(data):
            b0, b1, b2 = data[cursor + 21 : cursor + 24]
            delay, padding = (b0 << 4) | (b1 >> 4), ((b1 & 0xF) << 8) | b2
        return XingInfo(frames, audio_bytes, delay, padding)
    at = pos + 4 + 32
    if bytes(data[at : at + 4]) == b"VBRI":
        audio_bytes, frames = struct.unpack(">II", data[at + 10 : at + 18])
        return XingInfo(frames, audio_bytes, None, None)
    return None


def id3v2_end(data: bytes | mmap.mmap) -> int:
    """Offset just past the ID3v2 tags (several may follow each other) at the start of ``data``.

    The result may lie past the end of ``data`` when only the file's first bytes were given.
    """
    pos = 0
    while bytes(data[pos : pos + 3]) == b"ID3" and pos + 10 <= len(data):
        size = 0
        for byte in data[pos + 6 : pos + 10]:
            size = (size << 7) | (byte & 0x7F)
        pos += 10 + size + (10 if data[pos + 5] & 0x10 else 0)
    return pos
