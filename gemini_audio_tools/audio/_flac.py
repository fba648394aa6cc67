"""FLAC: the length from STREAMINFO, checked against the last frame (which also proves the file is whole).

STREAMINFO's total-samples field may be 0 ("unknown", left by streaming encoders). The last frame's header
says which sample it starts at and how many it holds, and its CRC-16 footer covers the whole frame: if the
file was cut inside that frame, the CRC does not match. Reading the last few kilobytes answers both.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from ._facts import StreamFacts, corrupt, truncated

_TAIL_BYTES = 65536
_BLOCK_SIZES = {1: 192, 2: 576, 3: 1152, 4: 2304, 5: 4608} | {
    code: 256 << (code - 8) for code in range(8, 16)
}


def _crc_table(poly: int, width: int) -> tuple[int, ...]:
    top, mask = 1 << (width - 1), (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & mask if crc & top else (crc << 1) & mask
        table.append(crc)
    return tuple(table)


_CRC8 = _crc_table(0x07, 8)
_CRC16 = _crc_table(0x8005, 16)


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


def _frame_header(data: bytes, pos: int, fixed_block: int) -> tuple[int, int] | None:
    """(first sample, block size) of a frame header at ``pos`` whose CRC-8 checks out, else None."""
    if pos + 6 > len(data) or data[pos] != 0xFF or data[pos + 1] not in (0xF8, 0xF9):
        return None
    variable = data[pos + 1] & 1
    size_code, rate_code = data[pos + 2] >> 4, data[pos + 2] & 0xF
    channel_code, reserved = data[pos + 3] >> 4, data[pos + 3] & 1
    if size_code == 0 or rate_code == 15 or channel_code > 10 or reserved:
        return None
    first = data[pos + 4]
    extra = 0 if first < 0x80 else 8 - (first ^ 0xFF).bit_length() - 1  # UTF-8 style continuation count
    if extra < 0 or extra > 6 or first in (0xFE, 0xFF):
        return None
    number = first & (0x7F >> extra) if extra else first
    cursor = pos + 5
    for byte in data[cursor : cursor + extra]:
        if byte & 0xC0 != 0x80:
            return None
        number = (number << 6) | (byte & 0x3F)
    cursor += extra
    if size_code in (6, 7):
        width = size_code - 5
        block = int.from_bytes(data[cursor : cursor + width], "big") + 1
        cursor += width
    else:
        block = _BLOCK_SIZES[size_code]
    cursor += {12: 1, 13: 2, 14: 2}.get(rate_code, 0)
    if cursor >= len(data) or _crc8(data[pos:cursor]) != data[cursor]:
        return None
    return (number if variable else number * fixed_block), block


def flac_facts(handle: BinaryIO, size: int, label: str) -> StreamFacts:
    """Facts from STREAMINFO and the last frame.

    Raises:
        CorruptAudioError: no STREAMINFO, no readable last frame, or the last frame is cut off.
    """
    handle.seek(4)
    header = handle.read(4 + 34)
    if len(header) < 38 or header[0] & 0x7F != 0:
        raise corrupt(label, "its STREAMINFO block is missing")
    info = header[4:]
    min_block = struct.unpack(">H", info[:2])[0]
    max_frame = int.from_bytes(info[7:10], "big")
    packed = int.from_bytes(info[10:18], "big")
    rate = packed >> 44
    channels = ((packed >> 41) & 0x7) + 1
    total = packed & ((1 << 36) - 1)
    if rate == 0:
        raise corrupt(label, "its STREAMINFO says the sample rate is 0")
    tail_start = max(0, size - max(_TAIL_BYTES, 2 * max_frame))
    handle.seek(tail_start)
    tail = handle.read()
    last = _last_frame(tail, min_block)
    if last is None:
        raise truncated(label, "no complete audio frame was found at its end")
    end_sample = last[0] + last[1]
    if total == 0:
        total = end_sample
    elif end_sample < total:
        got, want = end_sample / rate, total / rate
        raise truncated(label, f"its header announces {want:.3f} s of audio but it ends after {got:.3f} s")
    return StreamFacts("flac", rate, channels, total, size)


def _last_frame(tail: bytes, fixed_block: int) -> tuple[int, int] | None:
    """(first sample, block size) of the frame that ends exactly at the end of ``tail``, CRC-16 verified.

    Candidates are tried from the end backwards: a false sync code inside the last frame's data fails its
    CRC-16 and the search goes on; a real last frame that was cut short fails too, and so does every
    frame before it, so after a few failures the file is taken as truncated.
    """
    pos, failures = len(tail), 0
    while failures < 3:
        pos = tail.rfind(b"\xff", 0, pos)
        if pos < 0:
            return None
        if tail[pos + 1 : pos + 2] in (b"\xf8", b"\xf9"):
            found = _frame_header(tail, pos, fixed_block)
            if found is not None:
                if len(tail) - pos >= 8 and struct.unpack(">H", tail[-2:])[0] == _crc16(tail[pos:-2]):
                    return found
                failures += 1
    return None
