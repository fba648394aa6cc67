"""WAV (RIFF, RF64/BW64) and AIFF/AIFC headers: uncompressed audio whose length is exact in the header."""

from __future__ import annotations

import math
import struct
from typing import BinaryIO

from ._facts import CompressedPcmContainer, StreamFacts, corrupt, truncated

_WAV_CODECS = {1: "pcm", 3: "pcm_f", 6: "pcm_alaw", 7: "pcm_mulaw"}
_UNSIZED = (0, 0xFFFFFFFF)  # streaming writers leave the data size unknown


def _pcm_codec(kind: str, bits: int, endian: str) -> str:
    if kind == "pcm":
        return "pcm_u8" if bits == 8 and endian == "le" else f"pcm_s{bits}{endian}"
    if kind == "pcm_f":
        return f"pcm_f{bits}{endian}"
    return kind


def wav_facts(handle: BinaryIO, size: int, label: str) -> StreamFacts:
    """Facts from a WAV file's ``fmt `` and ``data`` chunks (``ds64`` for RF64 files over 4 GB).

    Raises:
        CorruptAudioError: missing chunks, or the data chunk runs past the end of the file.
        CompressedPcmContainer: a codec other than PCM / float / A-law / µ-law (e.g. MP3 or ADPCM in WAV).
    """
    handle.seek(0)
    magic = handle.read(12)[:4]
    pos, fmt, ds64_data = 12, None, None
    while pos + 8 <= size:
        handle.seek(pos)
        chunk_id, chunk_size = struct.unpack("<4sI", handle.read(8))
        body = pos + 8
        if chunk_id == b"ds64":
            _riff, ds64_data = struct.unpack("<QQ", handle.read(16))
        elif chunk_id == b"fmt ":
            fmt = handle.read(min(chunk_size, 40))
        elif chunk_id == b"data":
            if fmt is None or len(fmt) < 16:
                raise corrupt(label, "its data chunk comes before a valid 'fmt ' chunk")
            data_size = ds64_data if magic != b"RIFF" and ds64_data is not None else chunk_size
            if data_size in _UNSIZED:
                data_size = size - body
            elif body + data_size > size:
                missing = body + data_size - size
                if missing < max(2, struct.unpack("<H", fmt[12:14])[0]):  # a writer's rounding, not a cut
                    return _wav_from_fmt(fmt, size - body, label)
                raise truncated(
                    label, f"its header announces {data_size} bytes of audio, {missing} are missing"
                )
            return _wav_from_fmt(fmt, data_size, label)
        pos = body + chunk_size + (chunk_size & 1)
    raise truncated(label, "no 'data' chunk with audio was found")


def _wav_from_fmt(fmt: bytes, data_size: int, label: str) -> StreamFacts:
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == 0xFFFE and len(fmt) >= 26:
        (tag,) = struct.unpack("<H", fmt[24:26])  # WAVE_FORMAT_EXTENSIBLE: the sub-format GUID's first field
    if tag not in _WAV_CODECS:
        raise CompressedPcmContainer(f"format tag 0x{tag:04x}")
    if channels == 0 or rate == 0 or block_align == 0:
        raise corrupt(label, f"its header says {channels} channels at {rate} Hz")
    return StreamFacts(
        _pcm_codec(_WAV_CODECS[tag], bits, "le"), rate, channels, data_size // block_align, data_size
    )


def _extended_float(raw: bytes) -> float:
    """The 80-bit IEEE extended float AIFF uses for its sample rate."""
    exponent, mantissa = struct.unpack(">HQ", raw)
    sign = -1 if exponent & 0x8000 else 1
    exponent &= 0x7FFF
    if exponent == 0 and mantissa == 0:
        return 0.0
    return sign * math.ldexp(mantissa, exponent - 16383 - 63)


_AIFC_CODECS = {b"NONE": "be", b"twos": "be", b"sowt": "le", b"fl32": "f32be", b"FL32": "f32be"}
_AIFC_CODECS.update({b"fl64": "f64be", b"FL64": "f64be", b"alaw": "pcm_alaw", b"ulaw": "pcm_mulaw"})
_AIFC_COMPRESSED = {b"ima4": "IMA ADPCM", b"MAC3": "MACE 3:1", b"MAC6": "MACE 6:1", b"GSM ": "GSM"}
_AIFC_COMPRESSED.update({b"QDM2": "QDesign Music 2", b"Qclp": "QCELP", b"sdx2": "SDX2 DPCM"})
"""Compressions named in messages; an unknown tag is not quoted (messages never echo a file's bytes)."""


def aiff_facts(handle: BinaryIO, size: int, label: str) -> StreamFacts:
    """Facts from an AIFF/AIFC file's ``COMM`` chunk, checked against its ``SSND`` chunk.

    Raises:
        CorruptAudioError: missing chunks, or the sound data runs past the end of the file.
        CompressedPcmContainer: an AIFC compression other than PCM / float / A-law / µ-law.
    """
    handle.seek(8)
    is_aifc = handle.read(4) == b"AIFC"
    pos, comm, ssnd = 12, None, None
    while pos + 8 <= size and (comm is None or ssnd is None):
        handle.seek(pos)
        chunk_id, chunk_size = struct.unpack(">4sI", handle.read(8))
        if chunk_id == b"COMM":
            comm = handle.read(min(chunk_size, 26))
        elif chunk_id == b"SSND":
            ssnd = (pos + 16, chunk_size - 8)
        pos += 8 + chunk_size + (chunk_size & 1)
    if comm is None or len(comm) < 18:
        raise truncated(label, "its 'COMM' chunk with the audio format is missing")
    channels, frames, bits = struct.unpack(">hIh", comm[:8])
    rate = _extended_float(comm[8:18])
    compression = comm[18:22] if is_aifc else b"NONE"
    kind = _AIFC_CODECS.get(compression)
    if kind is None:
        name = _AIFC_COMPRESSED.get(compression, "a compression type we do not recognise")
        raise CompressedPcmContainer(f"compressed with {name}")
    if channels <= 0 or rate <= 0 or bits <= 0:
        raise corrupt(label, f"its header says {channels} channels of {bits}-bit audio at {rate} Hz")
    codec = kind if kind.startswith("pcm") else f"pcm_f{kind[1:]}" if kind.startswith("f") else None
    if codec is None:
        codec = "pcm_s8" if bits <= 8 else f"pcm_s{(bits + 7) // 8 * 8}{kind}"
    sample_bytes = 1 if kind.startswith("pcm_") else (bits + 7) // 8
    needed = frames * channels * sample_bytes
    if frames and ssnd is None:
        raise truncated(label, "its 'SSND' chunk with the audio is missing")
    if ssnd is not None and ssnd[0] + needed > size:
        missing = ssnd[0] + needed - size
        raise truncated(label, f"its header announces {needed} bytes of audio, {missing} are missing")
    return StreamFacts(codec, round(rate), channels, frames, needed)
