"""Ranges of streams placed by counting their packets (Matroska/WebM, ASF, AMR, MPEG-TS, ...)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import av
import numpy as np
import pytest

from gemini_audio_tools.audio._feed import PacketFeed
from gemini_audio_tools.audio.decode import RangeDecoder, decode_pcm, decode_windows
from gemini_audio_tools.audio.probe import probe_audio

COUNTED = ["webm", "webm-video", "mkv-video", "mka-mp3", "amr", "wma", "wav-adpcm", "wav-mp3", "ts", "avi"]
TOLERANCE = {"mkv-video": 5e-3, "ts": 5e-3, "amr": 1e-2}
"""Decoders started mid-stream differ slightly in value (AAC, AMR), never in position or length."""


@pytest.mark.parametrize("name", COUNTED)
def test_a_range_is_the_same_samples_as_that_slice_of_a_whole_decode(
    container_files: dict[str, Path], name: str
) -> None:
    path = container_files[name]
    rate = probe_audio(path).sample_rate
    whole = decode_pcm(path, rate)
    with av.open(str(path)) as container:
        assert PacketFeed(container, container.streams.audio[0]).counted is not None
    for start, end in ((1.3, 2.6), (2.0, None), (0.4, 1.0)):
        part = decode_pcm(path, rate, start=start, end=end)
        reference = whole[round(start * rate) : None if end is None else round(end * rate)]
        assert len(part) == len(reference) > 0, (name, start)
        assert np.max(np.abs(part - reference)) <= TOLERANCE.get(name, 1e-6), (name, start)


@pytest.mark.parametrize("name", ["webm", "mkv-video", "wma"])
def test_ranges_read_in_one_pass_decode_as_each_alone(container_files: dict[str, Path], name: str) -> None:
    path = container_files[name]
    ranges = [(2.0, 2.9), (0.0, 0.5), (1.1, 2.4), (0.2, 1.0)]  # overlapping, out of order
    for (start, end), window in zip(ranges, decode_windows(path, 16000, ranges), strict=True):
        assert np.array_equal(window, decode_pcm(path, 16000, start=start, end=end)), (start, end)


def test_packets_before_a_range_are_counted_not_decoded(container_files: dict[str, Path]) -> None:
    path = container_files["webm"]
    with av.open(str(path)) as container, closing(PacketFeed(container, container.streams.audio[0])) as feed:
        stream = container.streams.audio[0]
        decoder = RangeDecoder(container, stream, 2.5, 2.8, rate=16000, feed=feed)
        assert sum(len(piece) for piece in decoder) == 4800
        assert feed.counted is not None and feed.counted.demuxed > 2 * decoder.decoded


def test_a_counted_stream_refuses_ranges_out_of_order(container_files: dict[str, Path]) -> None:
    path = container_files["webm"]
    with av.open(str(path)) as container, closing(PacketFeed(container, container.streams.audio[0])) as feed:
        feed.start(2.5, next_start=2.8)
        with pytest.raises(ValueError, match="must come in order"):
            feed.start(1.0)
