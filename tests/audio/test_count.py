"""Counting a packet's samples without decoding it: Opus TOC bytes, fixed frame sizes, skip side data."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from gemini_audio_tools.audio._count import PacketCounter, counted_samples, opus_packet_samples


@pytest.mark.parametrize(
    ("toc", "samples"),
    [
        (bytes([(1 << 3) | 0]), 960),  # SILK narrowband 20 ms, one frame
        (bytes([(3 << 3) | 0]), 2880),  # SILK 60 ms
        (bytes([(13 << 3) | 1]), 1920),  # hybrid 20 ms, two frames of equal size
        (bytes([(16 << 3) | 2]), 240),  # CELT 2.5 ms, two frames of different sizes
        (bytes([(31 << 3) | 3, 0x83]), 2880),  # CELT 20 ms, three frames (code 3, count byte)
        (bytes([(31 << 3) | 3]), 0),  # code 3 without its count byte: nothing to decode
        (b"", 0),
    ],
)
def test_an_opus_packets_length_is_read_from_its_toc_byte(toc: bytes, samples: int) -> None:
    assert opus_packet_samples(toc) == samples


@pytest.mark.parametrize(
    "name", ["webm", "opus", "mkv-video", "mka-mp3", "amr", "3gp-amr", "ts", "avi", "mp2"]
)
def test_counting_packets_gives_what_the_decoder_makes_of_them(
    container_files: dict[str, Path], name: str
) -> None:
    path = container_files[name]
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert PacketCounter(stream).countable
        counted, _ = counted_samples(container, stream)
    with av.open(str(path)) as container:
        decoded = sum(frame.samples for frame in container.decode(audio=0))
    assert counted == decoded


def test_the_first_packets_encoder_delay_is_taken_off_the_count(container_files: dict[str, Path]) -> None:
    with av.open(str(container_files["webm"])) as container:
        stream = container.streams.audio[0]
        counter = PacketCounter(stream)
        first = next(p for p in container.demux(stream) if p.size)
        assert counter.samples(first) == opus_packet_samples(bytes(first)) - stream.codec_context.delay


def test_codecs_whose_packets_do_not_say_their_length_are_not_countable(
    container_files: dict[str, Path],
) -> None:
    for name in ("wma", "wav-adpcm"):
        with av.open(str(container_files[name])) as container:
            assert not PacketCounter(container.streams.audio[0]).countable, name
