from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest

from gemini_audio_tools.audio._mpeg import mpeg_frame_at
from gemini_audio_tools.audio._seek import seek_table
from tests.audio.conftest import RATE

STREAMS = ["lame-mp3", "cbr-mp3-no-xing", "vbr-mp3-xing", "vbr-mp3-no-xing", "aac-tone", "aac-silence"]


def fmt_of(path: Path) -> str:
    return "aac" if path.suffix == ".aac" else "mp3"


def packets_by_offset(path: Path) -> dict[int, int]:
    """FFmpeg's own view of the whole file: each packet's byte offset -> its timestamp in samples."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.time_base is not None
        return {
            packet.pos: round(packet.pts * stream.time_base * RATE)
            for packet in container.demux(stream)
            if packet.pts is not None and packet.pos is not None and packet.size
        }


@pytest.mark.usefixtures("seek_tables_for_small_files")
@pytest.mark.parametrize("name", STREAMS)
def test_every_seek_table_entry_is_a_packet_of_the_whole_file_with_its_timestamp(
    long_streams: dict[str, Path], name: str
) -> None:
    path = long_streams[name]
    table = seek_table(path, fmt_of(path))
    assert table is not None and table.sample_rate == RATE
    assert 25 <= len(table.offsets) == len(table.samples)  # 4 KB stretches of 120-500 KB
    packets = packets_by_offset(path)
    for offset, samples in zip(table.offsets.tolist(), table.samples.tolist(), strict=True):
        assert packets.get(offset) == samples, (name, offset)
    assert np.all(np.diff(table.offsets) > 0) and np.all(np.diff(table.samples) > 0)
    first = min(packets)
    assert table.offsets[0] > first  # no entry at the first frame: a read from there is the whole file
    assert table.entry_at_or_before(-1) is None and table.entry_at_or_before(table.samples[3]) == 3
    with_padding = name in ("lame-mp3", "vbr-mp3-xing")  # FFmpeg trims LAME's padding at the end
    assert (table.length is not None) == with_padding


def test_the_vbr_streams_really_vary_their_bit_rate(long_streams: dict[str, Path]) -> None:
    data = long_streams["vbr-mp3-no-xing"].read_bytes()
    rates, pos = set(), 0
    while (frame := mpeg_frame_at(data, pos)) is not None:
        rates.add(frame.bitrate)
        pos += frame.length
    assert pos == len(data) and len(rates) >= 4, rates


@pytest.mark.usefixtures("seek_tables_for_small_files")
def test_a_seek_table_is_made_once_per_version_of_a_file(
    long_streams: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "copy.aac"
    path.write_bytes(long_streams["aac-tone"].read_bytes())
    table = seek_table(path, "aac")
    assert table is not None and seek_table(path, "aac") is table
    path.write_bytes(long_streams["aac-silence"].read_bytes())
    stamp = table.key[1] + 10**9
    os.utime(path, ns=(stamp, stamp))
    other = seek_table(path, "aac")
    assert other is not None and other is not table and other.key[1] == stamp
    path.unlink()
    assert seek_table(path, "aac") is None


@pytest.mark.usefixtures("seek_tables_for_small_files")
def test_mp3s_whose_first_frame_ffmpeg_treats_otherwise_have_no_seek_table(
    long_streams: dict[str, Path], tmp_path: Path
) -> None:
    joined = tmp_path / "joined.mp3"  # more frames after the end the Xing header declares (cat a.mp3 b.mp3)
    joined.write_bytes(long_streams["lame-mp3"].read_bytes() * 2)
    assert seek_table(joined, "mp3") is None
    assert seek_table(long_streams["lame-mp3"], "aac") is None  # not the format it is
    assert seek_table(long_streams["lame-mp3"], "ogg") is None


def test_files_under_two_mebibytes_have_no_seek_table(long_streams: dict[str, Path]) -> None:
    for name in STREAMS:
        assert seek_table(long_streams[name], fmt_of(long_streams[name])) is None
