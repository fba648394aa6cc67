"""AIFF/AIFC header facts: what a refusal says about a compression we cannot take."""

from __future__ import annotations

import io
import struct

import pytest

from gemini_audio_tools.audio._facts import CompressedPcmContainer
from gemini_audio_tools.audio._pcm import aiff_facts

RATE_44100 = bytes.fromhex("400eac44000000000000")  # 44100 as an 80-bit extended float


def aifc(compression: bytes) -> bytes:
    comm = struct.pack(">hIh", 1, 100, 16) + RATE_44100 + compression + b"\x00\x00"
    ssnd = struct.pack(">II", 0, 0) + b"\x00" * 200
    body = (
        b"AIFC"
        + b"COMM"
        + struct.pack(">I", len(comm))
        + comm
        + b"SSND"
        + struct.pack(">I", len(ssnd))
        + ssnd
    )
    return b"FORM" + struct.pack(">I", len(body)) + body


def test_a_compressed_aifc_is_left_to_ffmpeg_with_its_compression_named() -> None:
    data = aifc(b"ima4")
    with pytest.raises(CompressedPcmContainer, match="compressed with IMA ADPCM"):
        aiff_facts(io.BytesIO(data), len(data), "'x.aifc'")


def test_an_unknown_aifc_compression_tag_is_not_quoted_from_the_file() -> None:
    data = aifc(b"QWZX")
    with pytest.raises(CompressedPcmContainer, match="compression type we do not recognise") as caught:
        aiff_facts(io.BytesIO(data), len(data), "'x.aifc'")
    assert "QWZX" not in str(caught.value)
