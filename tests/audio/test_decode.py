import os
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import av
import numpy as np
import pytest

from gemini_audio_tools.audio import _feed
from gemini_audio_tools.audio._feed import PacketFeed
from gemini_audio_tools.audio._seek import seek_table
from gemini_audio_tools.audio.decode import RangeDecoder, decode_pcm, decode_windows, mix_to_mono
from gemini_audio_tools.audio.probe import probe_audio
from gemini_audio_tools.errors import AudioFileNotFoundError, CorruptAudioError
from tests.fixtures.audio import MakeAudio

AAC_TOLERANCE = 5e-3
"""Ranges come out bit-identical to the whole-file decode for WAV, AIFF, FLAC, OGG and MP3. FFmpeg's AAC
decoder started mid-stream differs slightly in value (measured: at most 3e-5 mid-file, 3.7e-3 in the last
0.7 s of a 96 kHz file), never in position or length."""


Ranges = Sequence[tuple[float | None, float | None]]


def assert_windows_decode_as_each_alone(source: Path | bytes, ranges: Ranges, rate: int = 16_000) -> None:
    windows = decode_windows(source, rate, ranges)
    assert len(windows) == len(ranges)
    for (start, end), window in zip(ranges, windows, strict=True):
        alone = decode_pcm(source, rate, start=start, end=end)
        assert window.dtype == np.float32 and np.array_equal(window, alone), (start, end)


def assert_range_is_the_slice(path: Path, start: float, end: float | None, rate: int = 16_000) -> None:
    whole = decode_pcm(path, rate)
    part = decode_pcm(path, rate, start=start, end=end)
    reference = whole[round(start * rate) : None if end is None else round(end * rate)]
    assert len(part) == len(reference) > 0  # sample-exact position and length
    tolerance = AAC_TOLERANCE if probe_audio(path).format == "aac" else 0.0
    assert np.max(np.abs(part - reference)) <= tolerance


def test_audio_is_decoded_to_mono_float32_at_the_requested_rate(multichannel_files: dict[str, Path]) -> None:
    pcm = decode_pcm(multichannel_files["flac-6ch"], sample_rate=8000)
    assert pcm.dtype == np.float32 and pcm.ndim == 1 and len(pcm) == 3 * 8000
    assert np.max(np.abs(pcm)) <= 1.0


def test_a_range_is_cut_sample_accurately(audio_files: dict[str, Path]) -> None:
    whole = decode_pcm(audio_files["wav"])
    part = decode_pcm(audio_files["wav"], start=1.25, end=2.5)
    assert np.array_equal(part, whole[20000:40000])
    assert np.array_equal(decode_pcm(audio_files["wav"], start=3.5), whole[56000:])
    assert np.array_equal(decode_pcm(audio_files["wav"], end=0.5), whole[:8000])


def test_bytes_decode_like_the_file(audio_files: dict[str, Path]) -> None:
    path = audio_files["ogg"]
    assert np.array_equal(decode_pcm(path.read_bytes()), decode_pcm(path))
    assert np.array_equal(
        decode_pcm(path.read_bytes(), start=2.5, end=3.5), decode_pcm(path, start=2.5, end=3.5)
    )


def test_undecodable_bytes_raise_corrupt_audio(text_as_mp3: Path) -> None:
    with pytest.raises(CorruptAudioError, match="could not be decoded"):
        decode_pcm(text_as_mp3)


def test_a_missing_file_is_reported_as_missing(tmp_path: Path) -> None:
    with pytest.raises(AudioFileNotFoundError, match="No file at"):
        decode_pcm(tmp_path / "gone.wav")


def test_junk_in_the_middle_costs_only_the_damaged_packets(
    vbr_mp3_without_xing: Path, tmp_path: Path
) -> None:
    data = vbr_mp3_without_xing.read_bytes()
    glitched = tmp_path / "glitch.mp3"
    glitched.write_bytes(data + bytes(range(256)) * 4 + data)
    whole = len(decode_pcm(vbr_mp3_without_xing, 44100))
    assert abs(len(decode_pcm(glitched, 44100)) - 2 * whole) <= 1152  # at most one frame lost at the seam


def test_a_range_of_every_format_is_the_same_slice_as_a_whole_file_decode(audio_file: Path) -> None:
    assert_range_is_the_slice(audio_file, 1.25, 2.5)
    assert_range_is_the_slice(audio_file, 2.9, 3.65)


def test_a_range_near_or_at_the_end_is_the_same_slice_as_a_whole_file_decode(audio_file: Path) -> None:
    duration = len(decode_pcm(audio_file)) / 16_000
    assert_range_is_the_slice(audio_file, duration - 0.7, duration)
    assert_range_is_the_slice(audio_file, duration - 0.3, None)
    assert_range_is_the_slice(audio_file, duration - 0.3, duration + 5)  # an end past the audio: its end


def test_a_range_of_a_lame_mp3_is_counted_from_its_first_audible_sample(lame_mp3: Path) -> None:
    assert probe_audio(lame_mp3).start_time > 0.025  # LAME's encoder delay, skipped by the decoder
    assert_range_is_the_slice(lame_mp3, 2.0, 3.5)
    assert_range_is_the_slice(lame_mp3, 4.6, None, rate=44_100)
    assert_range_is_the_slice(lame_mp3, 1.7, 1.9, rate=8_000)


def test_ranges_of_vbr_mp3_and_odd_rates_stay_sample_exact(
    vbr_mp3_without_xing: Path, odd_rate_files: dict[str, Path]
) -> None:
    assert_range_is_the_slice(vbr_mp3_without_xing, 4.2, 5.1)
    for path in odd_rate_files.values():
        assert_range_is_the_slice(path, 1.5, 2.75)


def test_a_vorbis_stream_whose_first_packet_decodes_to_nothing_keeps_its_timeline(
    ogg_with_wrong_granules: Path,
) -> None:
    assert_range_is_the_slice(ogg_with_wrong_granules, 3.0, 4.0)


@pytest.mark.parametrize("fmt", ["flac", "wav", "ogg", "mp3", "aac"])
def test_a_range_late_in_a_long_file_decodes_only_the_packets_near_it(
    make_audio: MakeAudio, fmt: str
) -> None:
    path = make_audio(fmt, 40.0)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        everything = RangeDecoder(container, stream, 0.0, None, rate=16_000)
        total = sum(len(piece) for piece in everything)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        late = RangeDecoder(container, stream, 35.0, 36.0, rate=16_000)
        assert sum(len(piece) for piece in late) == late.written == 16_000
    assert total == everything.written >= 40 * 16_000  # ADTS adds its encoder priming
    assert late.decoded <= everything.decoded / 10  # about 2 s (a second of history) of 40


def test_windows_of_every_format_are_the_samples_each_decodes_alone_also_overlapping_touching_and_at_the_end(
    audio_file: Path,
) -> None:
    ranges: Ranges = [
        (0.0, 0.3),
        (0.0, 2.0),
        (0.05, 0.2),  # inside the first two: the file is read from its start again
        (0.1, 1.3),  # needs what the one before did not
        (0.4, 1.2),
        (1.0, 1.5),  # overlaps the one before
        (1.5, 1.9),  # touches it
        (2.2, 2.21),
        (3.3, 3.8),
        (3.6, None),
        (3.9, 10.0),  # past the end: up to the end
        (4.5, 5.0),  # wholly past the end: nothing
    ]
    assert_windows_decode_as_each_alone(audio_file, ranges)
    assert_windows_decode_as_each_alone(audio_file, ranges[::-1], rate=8000)  # any order


def test_windows_of_mp3s_with_encoder_delay_or_without_xing_header_are_the_samples_each_decodes_alone(
    lame_mp3: Path, vbr_mp3_without_xing: Path
) -> None:
    assert_windows_decode_as_each_alone(lame_mp3, [(0.5, 1.0), (1.1, 2.0), (2.05, 2.1), (4.0, None)], 44_100)
    assert_windows_decode_as_each_alone(
        vbr_mp3_without_xing, [(0.0, 1.0), (1.5, 4.2), (4.2, 5.1), (5.5, 9.0)]
    )


def test_windows_of_a_vorbis_stream_whose_first_packet_decodes_to_nothing_keep_its_timeline(
    ogg_with_wrong_granules: Path,
) -> None:
    assert_windows_decode_as_each_alone(ogg_with_wrong_granules, [(0.0, 0.5), (3.0, 4.0), (3.5, 9.5)])


@pytest.mark.parametrize("fmt", ["mp3", "aac", "flac"])
def test_windows_spread_over_a_long_file_are_the_samples_each_decodes_alone(
    make_audio: MakeAudio, fmt: str
) -> None:
    path = make_audio(fmt, 40.0)
    ranges: Ranges = [(4.0 * k + 2.5, 4.0 * k + 3.5) for k in range(9)] + [(38.0, 41.0)]
    assert_windows_decode_as_each_alone(path, ranges)
    assert_windows_decode_as_each_alone(path.read_bytes(), ranges[:3])


def test_windows_of_an_mp3_demux_it_once_and_decode_only_the_packets_each_needs(
    make_audio: MakeAudio,
) -> None:
    path = make_audio("mp3", 40.0)
    ranges = [(4.0 * k + 2.5, 4.0 * k + 3.5) for k in range(10)]
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        feed = PacketFeed(container, stream, reopen=lambda: av.open(str(path)))
        shared = [
            RangeDecoder(container, stream, a, b, rate=16_000, feed=feed, next_start=a + 4.0)
            for a, b in ranges
        ]
        assert all(sum(len(piece) for piece in decoder) == 16_000 for decoder in shared)
    apart = []
    for a, b in ranges:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            apart.append(RangeDecoder(container, stream, a, b, rate=16_000))
            assert sum(len(piece) for piece in apart[-1]) == 16_000
    with av.open(str(path)) as container:
        packets = sum(1 for _ in container.demux(audio=0))
    assert [d.decoded for d in shared] == [d.decoded for d in apart]  # each window: the same packets
    assert sum(d.decoded for d in shared) <= packets * 2 / 3  # ~2.4 s of every 4 s: a second of history
    assert feed.demuxed <= packets  # one pass, stopping at the last window's end
    assert sum(d.feed.demuxed for d in apart) >= 4 * feed.demuxed  # each alone demuxes from the start


def test_a_shared_mp3_feed_refuses_a_range_before_the_next_start_the_one_before_announced(
    make_audio: MakeAudio,
) -> None:
    path = make_audio("mp3", 40.0)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        feed = PacketFeed(container, stream)
        list(RangeDecoder(container, stream, 20.0, 21.0, rate=16_000, feed=feed, next_start=30.0))
        with pytest.raises(ValueError, match="must come in order"):
            list(RangeDecoder(container, stream, 25.0, 26.0, rate=16_000, feed=feed))
        list(RangeDecoder(container, stream, 30.0, 31.0, rate=16_000, feed=feed))  # as announced
        with pytest.raises(ValueError, match="must come in order"):
            list(RangeDecoder(container, stream, 35.0, 36.0, rate=16_000, feed=feed))  # not announced


def test_windows_of_undecodable_bytes_raise_corrupt_audio_and_no_windows_decode_nothing(
    text_as_mp3: Path, tmp_path: Path
) -> None:
    with pytest.raises(CorruptAudioError, match="could not be decoded"):
        decode_windows(text_as_mp3, 16_000, [(0.0, 1.0), (2.0, 3.0)])
    with pytest.raises(AudioFileNotFoundError, match="No file at"):
        decode_windows(tmp_path / "gone.mp3", 16_000, [(0.0, 1.0)])
    assert decode_windows(text_as_mp3, 16_000, []) == []


LONG_STREAMS = ["lame-mp3", "cbr-mp3-no-xing", "vbr-mp3-xing", "vbr-mp3-no-xing", "aac-tone", "aac-silence"]


def decode_range(
    path: Path, start: float, end: float | None, *, table: bool, rate: int = 16_000
) -> RangeDecoder:
    """A RangeDecoder run over ``[start, end)``, with its feed given the file's path (so it may open the file
    at a seek-table entry) or not (so it demuxes from the start)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        with closing(PacketFeed(container, stream, path=path if table else None)) as feed:
            decoder = RangeDecoder(container, stream, start, end, rate=rate, feed=feed)
            pcm = np.concatenate(list(decoder))
            decoder.pcm = np.clip(pcm, -1.0, 1.0)  # type: ignore[attr-defined]  # as decode_pcm clips
    return decoder


@pytest.mark.usefixtures("seek_tables_for_small_files")
@pytest.mark.parametrize("name", LONG_STREAMS)
def test_ranges_of_long_mp3_and_adts_files_opened_at_a_seek_table_entry_are_the_whole_file_decodes_slices(
    long_streams: dict[str, Path], name: str
) -> None:
    path = long_streams[name]
    for rate in (16_000, 44_100):
        whole = decode_pcm(path, rate)
        seconds = len(whole) / rate
        for start, end in [
            (5.0, 6.5),
            (seconds / 2, seconds / 2 + 2.0),
            (seconds - 1.5, None),
            (seconds - 0.7, seconds),
        ]:
            jumped = decode_range(path, start, end, table=True, rate=rate)
            assert jumped.feed.jumps == 1, (name, start)
            reference = whole[round(start * rate) : None if end is None else round(end * rate)]
            part = jumped.pcm  # type: ignore[attr-defined]
            assert len(part) == len(reference) > 0, (
                name,
                rate,
                start,
                end,
            )  # sample-exact position and length
            if name.startswith("aac"):
                assert np.max(np.abs(part - reference)) <= AAC_TOLERANCE
            else:
                assert np.array_equal(part, reference), (name, rate, start, end)


@pytest.mark.usefixtures("seek_tables_for_small_files")
@pytest.mark.parametrize("name", LONG_STREAMS)
def test_a_late_range_opened_at_a_seek_table_entry_demuxes_far_fewer_packets_and_decodes_the_same_ones(
    long_streams: dict[str, Path], name: str
) -> None:
    path = long_streams[name]
    jumped = decode_range(path, 26.0, 27.0, table=True)
    skipped = decode_range(path, 26.0, 27.0, table=False)
    assert jumped.feed.jumps == 1 and skipped.feed.jumps == 0
    assert jumped.decoded == skipped.decoded  # from the same packet: a second of history, then the range
    assert jumped.feed.demuxed <= skipped.feed.demuxed / 5  # ~2-3 s demuxed instead of 27
    assert np.array_equal(jumped.pcm, skipped.pcm)  # type: ignore[attr-defined]


@pytest.mark.usefixtures("seek_tables_for_small_files")
@pytest.mark.parametrize("name", ["lame-mp3", "vbr-mp3-no-xing", "aac-silence"])
def test_windows_of_a_long_file_jump_ahead_and_stay_the_whole_file_decodes_slices(
    long_streams: dict[str, Path], name: str
) -> None:
    path = long_streams[name]
    whole = decode_pcm(path)
    ranges: Ranges = [(0.5, 1.5), (1.2, 2.0), (9.0, 10.0), (9.5, 12.0), (20.0, 21.0), (28.5, None)]
    tolerance = AAC_TOLERANCE if name.startswith("aac") else 0.0
    for (start, end), window in zip(ranges, decode_windows(path, 16_000, ranges), strict=True):
        assert start is not None
        reference = whole[round(start * 16_000) : None if end is None else round(end * 16_000)]
        assert len(window) == len(reference) > 0 and np.max(np.abs(window - reference)) <= tolerance


@pytest.mark.usefixtures("seek_tables_for_small_files")
def test_a_seek_table_of_an_older_version_of_the_file_is_not_used(
    long_streams: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "changing.mp3"
    path.write_bytes(long_streams["lame-mp3"].read_bytes())
    old = seek_table(path, "mp3")
    assert old is not None
    path.write_bytes(long_streams["lame-mp3"].read_bytes() + b"")  # the same audio, a new version of the file
    os.utime(path, ns=(old.key[1] + 10**9, old.key[1] + 10**9))
    monkeypatch.setattr(
        _feed, "seek_table", lambda *_: old
    )  # as if the file changed after its table was made
    whole = decode_pcm(path)
    late = decode_range(path, 20.0, 21.0, table=True)
    assert late.feed.jumps == 0  # the view refuses the other version: demuxed from the start as before
    assert np.array_equal(late.pcm, whole[20 * 16_000 : 21 * 16_000])  # type: ignore[attr-defined]


@pytest.mark.usefixtures("seek_tables_for_small_files")
def test_an_mp3_with_junk_between_frames_has_no_seek_table_and_is_decoded_from_the_start_as_before(
    long_streams: dict[str, Path], tmp_path: Path
) -> None:
    data = long_streams["cbr-mp3-no-xing"].read_bytes()
    glitched = tmp_path / "glitch.mp3"
    glitched.write_bytes(data[: len(data) // 2] + bytes(range(256)) * 4 + data[len(data) // 2 :])
    assert seek_table(glitched, "mp3") is None
    late = decode_range(glitched, 25.0, 26.0, table=True)
    before = decode_range(glitched, 25.0, 26.0, table=False)
    assert late.feed.jumps == 0 and late.feed.demuxed == before.feed.demuxed
    assert np.array_equal(late.pcm, before.pcm)  # type: ignore[attr-defined]


def test_files_under_the_walk_threshold_have_no_seek_table_and_are_decoded_from_the_start(
    long_streams: dict[str, Path],
) -> None:
    path = long_streams["lame-mp3"]  # ~0.5 MB: its frames are counted one hop at a time, no table
    assert seek_table(path, "mp3") is None
    late = decode_range(path, 25.0, 26.0, table=True)
    assert late.feed.jumps == 0
    assert np.array_equal(late.pcm, decode_pcm(path)[25 * 16_000 : 26 * 16_000])  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_a_stereo_file_decodes_at_the_level_of_its_channels_not_louder_and_not_clipped(
    fmt: str, tmp_path: Path
) -> None:
    from tests.audio._clips import clip_range
    from tests.fixtures.audio import write_audio

    rate = 16_000
    t = np.arange(2 * rate) / rate
    loud = (0.9 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    mono, stereo = tmp_path / f"mono.{fmt}", tmp_path / f"stereo.{fmt}"
    write_audio(mono, fmt, loud.reshape(1, -1), rate)
    write_audio(stereo, fmt, np.stack([loud, loud]), rate)
    decoded = decode_pcm(stereo, rate)
    assert np.allclose(decoded, decode_pcm(mono, rate), atol=1e-4)
    assert 0.89 < np.abs(decoded).max() < 0.91  # FFmpeg's float downmix gave 1.27, clipped to 1.0
    with clip_range(stereo, 0.5, 1.5) as clip:  # what Gemini is sent has the same level
        assert np.allclose(decode_pcm(clip.path, rate), decoded[rate // 2 : 3 * rate // 2], atol=1e-3)


SEEKABLE_CONTAINERS = ["m4a", "m4a-fragmented", "m4a-opus", "mov", "3gp-aac", "opus", "caf"]


@pytest.mark.parametrize("name", SEEKABLE_CONTAINERS)
def test_ranges_of_containers_timed_in_whole_samples_are_the_whole_decodes_slices(
    container_files: dict[str, Path], name: str
) -> None:
    path = container_files[name]
    rate = probe_audio(path).sample_rate
    whole = decode_pcm(path, rate)
    with av.open(str(path)) as container:
        assert PacketFeed(container, container.streams.audio[0]).seekable, name
    for start, end in ((1.3, 2.6), (2.2, None), (0.4, 1.0)):
        part = decode_pcm(path, rate, start=start, end=end)
        reference = whole[round(start * rate) : None if end is None else round(end * rate)]
        assert len(part) == len(reference) > 0, (name, start)
        assert np.max(np.abs(part - reference)) <= AAC_TOLERANCE, (name, start)


@pytest.mark.parametrize("name", ["m4a", "opus", "m4a-opus"])
def test_windows_of_stateful_decoders_are_the_samples_each_decodes_alone(
    container_files: dict[str, Path], name: str
) -> None:
    """AAC and Opus decoders keep state through a seek, and a seek to 0 skips an M4A's priming packet."""
    assert_windows_decode_as_each_alone(
        container_files[name], [(1.25, 2.5), (0.3, 1.1), (2.0, None), (0.0, 0.7)]
    )


def test_a_5_1_file_decodes_to_the_mean_of_its_channels(multichannel_files: dict[str, Path]) -> None:
    path = multichannel_files["flac-6ch"]
    with av.open(str(path)) as container:
        samples = np.concatenate([f.to_ndarray().reshape(-1, 6) for f in container.decode(audio=0)])
    assert samples.dtype == np.int16  # FLAC decodes to packed 16-bit here
    mean = samples.astype(np.float64).mean(axis=1) / 32768
    assert np.allclose(decode_pcm(path, 48000), mean, atol=1e-6)


def test_the_mix_averages_interleaved_channels() -> None:
    stereo = np.array([0.5, -0.5, 1.0, 0.0, -1.0, -1.0], dtype=np.float32)
    assert np.array_equal(mix_to_mono(stereo, 2), np.array([0.0, 0.5, -1.0], dtype=np.float32))
    assert mix_to_mono(stereo, 1) is not None and len(mix_to_mono(stereo, 1)) == 6
