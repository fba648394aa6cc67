import struct
from pathlib import Path

import av
import numpy as np
import pytest

from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.audio.probe import probe_audio
from gemini_audio_tools.errors import CorruptAudioError, UnsupportedAudioError
from tests.fixtures.audio import MakeAudio, without_xing_frame


def decoded_seconds(path: Path, rate: int) -> float:
    return len(decode_pcm(path, sample_rate=rate)) / rate


def assert_duration_matches_decoding(path: Path) -> None:
    info = probe_audio(path)
    decoded = decoded_seconds(path, info.sample_rate)
    assert info.duration_seconds == pytest.approx(decoded, rel=0.005), path.name


def test_every_format_is_probed_with_the_duration_decoding_gives(audio_file: Path) -> None:
    info = probe_audio(audio_file)
    assert info.format == audio_file.suffix[1:]
    assert info.sample_rate == 22050 and info.channels == 1
    assert info.size_bytes == audio_file.stat().st_size
    assert info.bit_rate is not None and info.bit_rate > 0
    assert_duration_matches_decoding(audio_file)


def test_lossless_and_lame_durations_are_exact_to_the_sample(audio_files: dict[str, Path]) -> None:
    for fmt in ("wav", "aiff", "flac", "mp3", "ogg"):
        info = probe_audio(audio_files[fmt])
        assert round(info.duration_seconds * info.sample_rate) == round(4.0 * 22050), fmt


def test_probe_reports_the_mime_type_and_codec(audio_files: dict[str, Path]) -> None:
    found = {fmt: (probe_audio(path).mime_type, probe_audio(path).codec) for fmt, path in audio_files.items()}
    assert found == {
        "wav": ("audio/wav", "pcm_s16le"),
        "mp3": ("audio/mp3", "mp3"),
        "aiff": ("audio/aiff", "pcm_s16be"),
        "aac": ("audio/aac", "aac"),
        "ogg": ("audio/ogg", "vorbis"),
        "flac": ("audio/flac", "flac"),
    }


def test_multichannel_files_report_their_channels(multichannel_files: dict[str, Path]) -> None:
    for name, path in multichannel_files.items():
        info = probe_audio(path)
        assert (info.channels, info.sample_rate, info.duration_seconds) == (int(name[-3]), 48000, 3.0), name


def test_six_channel_wav_uses_the_extensible_format_and_still_probes(
    multichannel_files: dict[str, Path],
) -> None:
    data = multichannel_files["wav-6ch"].read_bytes()
    assert struct.unpack("<H", data[20:22])[0] == 0xFFFE  # WAVE_FORMAT_EXTENSIBLE
    assert probe_audio(multichannel_files["wav-6ch"]).codec == "pcm_s16le"


def test_odd_sample_rates_are_reported_and_timed_right(odd_rate_files: dict[str, Path]) -> None:
    for name, path in odd_rate_files.items():
        info = probe_audio(path)
        assert info.sample_rate == int(name.split("-")[1]), name
        assert_duration_matches_decoding(path)


def test_vbr_mp3_with_a_xing_header_is_timed_from_it(vbr_mp3: Path) -> None:
    info = probe_audio(vbr_mp3)
    assert round(info.duration_seconds * 44100) == 6 * 44100
    assert_duration_matches_decoding(vbr_mp3)


def test_vbr_mp3_without_a_xing_header_is_timed_by_counting_frames(vbr_mp3_without_xing: Path) -> None:
    with av.open(str(vbr_mp3_without_xing)) as container:
        container_guess = container.duration / 1_000_000
    info = probe_audio(vbr_mp3_without_xing)
    decoded = decoded_seconds(vbr_mp3_without_xing, 44100)
    assert info.duration_seconds == pytest.approx(decoded, abs=1 / 44100)
    assert abs(container_guess - decoded) > 0.01  # the container's estimate really is off


def test_lame_mp3_reports_the_start_time_pyav_reports(lame_mp3: Path) -> None:
    with av.open(str(lame_mp3)) as container:
        stream = container.streams.audio[0]
        expected = float(stream.start_time * stream.time_base)
    assert probe_audio(lame_mp3).start_time == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(1105 / 44100, abs=1e-6)


def test_adts_aac_is_timed_by_counting_frames_not_by_the_container_guess(make_audio: MakeAudio) -> None:
    path = make_audio("aac", 20.0, rate=44100)
    info = probe_audio(path)
    assert info.duration_seconds == decoded_seconds(path, 44100)


def test_ogg_whose_granules_lie_is_measured_by_decoding(ogg_with_wrong_granules: Path) -> None:
    with av.open(str(ogg_with_wrong_granules)) as container:
        assert container.duration / 1_000_000 < 1.0  # what the container claims
    assert probe_audio(ogg_with_wrong_granules).duration_seconds == pytest.approx(10.0, abs=0.05)
    assert_duration_matches_decoding(ogg_with_wrong_granules)


def test_speech_fixture_duration_matches_decoding(speech_wav) -> None:  # type: ignore[no-untyped-def]
    assert_duration_matches_decoding(speech_wav.path)


def test_misleading_extension_is_probed_as_what_it_is(misleading_extension_file: Path) -> None:
    info = probe_audio(misleading_extension_file)
    assert (info.format, info.mime_type) == ("mp3", "audio/mp3")


def test_streamed_wav_with_unknown_data_size_is_timed_from_the_file_size(
    audio_files: dict[str, Path], tmp_path: Path
) -> None:
    data = bytearray(audio_files["wav"].read_bytes())
    data_at = data.index(b"data")
    data[data_at + 4 : data_at + 8] = b"\xff\xff\xff\xff"
    data[4:8] = b"\xff\xff\xff\xff"
    streamed = tmp_path / "streamed.wav"
    streamed.write_bytes(bytes(data))
    assert probe_audio(streamed).duration_seconds == 4.0


def test_rf64_wav_is_timed_from_its_ds64_chunk(audio_files: dict[str, Path], tmp_path: Path) -> None:
    data = audio_files["wav"].read_bytes()
    data_at = data.index(b"data")
    size = struct.unpack("<I", data[data_at + 4 : data_at + 8])[0]
    ds64 = b"ds64" + struct.pack("<IQQQI", 28, len(data) + 36 - 8, size, size // 2, 0)
    body = data[12:data_at] + b"data\xff\xff\xff\xff" + data[data_at + 8 :]
    rf64 = tmp_path / "big.wav"
    rf64.write_bytes(b"RF64\xff\xff\xff\xffWAVE" + ds64 + body)
    assert probe_audio(rf64).duration_seconds == 4.0


def test_flac_without_a_total_sample_count_is_timed_from_its_last_frame(
    audio_files: dict[str, Path], tmp_path: Path
) -> None:
    data = bytearray(audio_files["flac"].read_bytes())
    data[8 + 13] &= 0xF0  # STREAMINFO: zero the 36-bit total-samples field
    data[8 + 14 : 8 + 18] = b"\x00\x00\x00\x00"
    unknown = tmp_path / "streamed.flac"
    unknown.write_bytes(bytes(data))
    assert probe_audio(unknown).duration_seconds == 4.0


def test_truncated_mp3_is_reported_as_truncated(truncated_mp3: Path) -> None:
    with pytest.raises(CorruptAudioError, match="truncated") as caught:
        probe_audio(truncated_mp3)
    assert truncated_mp3.name in str(caught.value)


@pytest.mark.parametrize("fmt", ["wav", "mp3", "aiff", "aac", "ogg", "flac"])
def test_every_format_cut_off_mid_file_is_corrupt(
    fmt: str, audio_files: dict[str, Path], tmp_path: Path
) -> None:
    data = audio_files[fmt].read_bytes()
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(data[: len(data) * 2 // 3 + 5])
    with pytest.raises(CorruptAudioError, match="truncated"):
        probe_audio(cut)


def test_vbr_mp3_without_xing_cut_mid_frame_is_corrupt(vbr_mp3_without_xing: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(vbr_mp3_without_xing.read_bytes()[:-50])
    with pytest.raises(CorruptAudioError, match="ends inside an MP3 frame"):
        probe_audio(cut)


def test_empty_and_text_files_get_the_right_errors(empty_file: Path, text_as_mp3: Path) -> None:
    with pytest.raises(CorruptAudioError, match="empty"):
        probe_audio(empty_file)
    with pytest.raises(UnsupportedAudioError, match="text file"):
        probe_audio(text_as_mp3)


def test_the_sound_of_a_video_is_probed(mp4_video: Path) -> None:
    info = probe_audio(mp4_video)
    assert (info.format, info.container, info.codec, info.has_video) == ("mp4", "mp4", "aac", True)
    assert info.duration_seconds == 1.0 and not info.api_accepts


def test_mp3_inside_a_wav_container_is_measured_by_ffmpeg(make_audio: MakeAudio, tmp_path: Path) -> None:
    source = make_audio("wav", 1.0)
    target = tmp_path / "mp3-in.wav"
    with av.open(str(source)) as src, av.open(str(target), "w", format="wav") as out:
        stream = out.add_stream("libmp3lame", rate=16000, layout="mono")
        for frame in src.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    info = probe_audio(target)
    assert (info.format, info.codec, info.api_accepts) == ("wav", "mp3", False)
    assert round(info.duration_seconds * 16000) == len(decode_pcm(target))


def test_id3_tagged_adts_is_probed(audio_files: dict[str, Path], tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.aac"
    tagged.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + audio_files["aac"].read_bytes())
    assert probe_audio(tagged).duration_seconds == probe_audio(audio_files["aac"]).duration_seconds


def test_adts_with_an_id3v1_tag_or_trailing_junk_keeps_its_duration(
    audio_files: dict[str, Path], tmp_path: Path
) -> None:
    data = audio_files["aac"].read_bytes()
    expected = probe_audio(audio_files["aac"]).duration_seconds
    tagged, junk = tmp_path / "tagged.aac", tmp_path / "junk.aac"
    tagged.write_bytes(data + b"TAG" + b"\x00" * 125)
    junk.write_bytes(data + b"\x00garbage after the last frame")
    assert probe_audio(tagged).duration_seconds == expected
    assert probe_audio(junk).duration_seconds == expected


def test_long_adts_is_counted_exactly_by_the_fast_pattern_pass(make_audio: MakeAudio, tmp_path: Path) -> None:
    once = make_audio("aac", 5.0, rate=8000)
    repeated = tmp_path / "long.aac"
    repeated.write_bytes(once.read_bytes() * 40)
    assert probe_audio(repeated).duration_seconds == pytest.approx(probe_audio(once).duration_seconds * 40)


def test_wav_whose_data_size_overshoots_by_less_than_one_sample_frame_is_not_truncated(
    audio_files: dict[str, Path], tmp_path: Path
) -> None:
    data = bytearray(audio_files["wav"].read_bytes())
    data_at = data.index(b"data")
    declared = struct.unpack("<I", data[data_at + 4 : data_at + 8])[0]
    data[data_at + 4 : data_at + 8] = struct.pack("<I", declared + 1)  # a writer counting a pad byte
    odd = tmp_path / "odd.wav"
    odd.write_bytes(bytes(data))
    assert probe_audio(odd).duration_seconds == 4.0


def test_mp3_files_joined_end_to_end_are_timed_as_the_decoder_plays_them(
    lame_mp3: Path, vbr_mp3: Path, vbr_mp3_without_xing: Path, tmp_path: Path
) -> None:
    joined = {
        "lame+lame.mp3": lame_mp3.read_bytes() * 2,  # the first Info header covers only the first half
        "vbr+vbr.mp3": vbr_mp3.read_bytes() * 2,
        "gap.mp3": vbr_mp3_without_xing.read_bytes() + b"\x00" * 999 + vbr_mp3_without_xing.read_bytes(),
    }
    for name, data in joined.items():
        path = tmp_path / name
        path.write_bytes(data)
        info = probe_audio(path)
        assert info.duration_seconds == decoded_seconds(path, info.sample_rate), name


def test_adts_with_junk_or_a_tag_in_the_middle_is_timed_as_the_decoder_plays_it(
    audio_files: dict[str, Path], tmp_path: Path
) -> None:
    aac = audio_files["aac"].read_bytes()
    for name, middle in {
        "junk.aac": b"\x00junk" * 100,
        "tag.aac": b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(10),
    }.items():
        path = tmp_path / name
        path.write_bytes(aac + middle + aac)
        assert probe_audio(path).duration_seconds == decoded_seconds(path, 22050), name


@pytest.mark.parametrize(
    ("container", "codec"),
    [
        ("aiff", "pcm_f32be"),
        ("aiff", "pcm_s16le"),
        ("aiff", "pcm_s24be"),
        ("aiff", "pcm_alaw"),
        ("wav", "pcm_f32le"),
    ],
)
def test_aifc_and_float_variants_are_probed(container: str, codec: str, tmp_path: Path) -> None:
    path = tmp_path / f"variant.{container}"
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=8000, layout="stereo")
        frame = av.AudioFrame.from_ndarray(
            np.full((2, 4000), 0.1, dtype=np.float32), format="fltp", layout="stereo"
        )
        frame.sample_rate, frame.pts = 8000, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    info = probe_audio(path)
    assert (info.codec, info.channels, info.duration_seconds) == (codec, 2, 0.5)


def cbr_mp3_without_xing(make_audio: MakeAudio, tmp_path: Path) -> Path:
    return without_xing_frame(make_audio("mp3", 20.0, rate=44100), tmp_path / "cbr-noxing.mp3")


def walk_long_files_in_stretches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the many-stretch walk (normally for files over 2 MiB) take these small test files."""
    from gemini_audio_tools.audio import _walk

    monkeypatch.setattr(_walk, "WALK_ABOVE_BYTES", 0)
    monkeypatch.setattr(_walk, "STRETCH_BYTES", 4096)


def test_cbr_mp3_without_xing_gets_the_same_exact_length_from_the_stretch_walk(
    make_audio: MakeAudio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cbr_mp3_without_xing(make_audio, tmp_path)
    one_hop_at_a_time = probe_audio(path)
    walk_long_files_in_stretches(monkeypatch)
    assert probe_audio(path) == one_hop_at_a_time
    assert one_hop_at_a_time.duration_seconds == pytest.approx(decoded_seconds(path, 44100), abs=1e-6)


def test_adts_with_digital_silence_gets_the_same_exact_length_from_the_stretch_walk(
    make_audio: MakeAudio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tone, silence = make_audio("aac", 8.0, rate=44100), make_audio("aac", 8.0, rate=44100, kind="silence")
    joined = tmp_path / "tone-silence.aac"
    joined.write_bytes((tone.read_bytes() + silence.read_bytes()) * 2)
    one_hop_at_a_time = probe_audio(joined)
    walk_long_files_in_stretches(monkeypatch)
    assert probe_audio(joined) == one_hop_at_a_time
    assert one_hop_at_a_time.duration_seconds == pytest.approx(decoded_seconds(joined, 44100), abs=1e-6)


def test_a_file_cut_mid_frame_is_reported_truncated_by_the_stretch_walk_too(
    make_audio: MakeAudio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cbr_mp3_without_xing(make_audio, tmp_path)
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(path.read_bytes()[:-100])
    walk_long_files_in_stretches(monkeypatch)
    with pytest.raises(CorruptAudioError, match="truncated"):
        probe_audio(cut)


def test_a_refusal_after_a_long_id3_tag_gives_the_whole_files_size(tmp_path: Path) -> None:
    body = 20_000  # more than the sniffer's first read, so the tag is skipped on disk
    size_bytes = bytes((body >> shift) & 0x7F for shift in (21, 14, 7, 0))
    path = tmp_path / "tagged.mp3"
    path.write_bytes(b"ID3\x04\x00\x00" + size_bytes + b"\x00" * body + b"just some notes\n" * 200)
    with pytest.raises(UnsupportedAudioError) as caught:
        probe_audio(path)
    assert f"({path.stat().st_size / 1000:.1f} kB)" in str(caught.value)
