"""Audio in containers the API does not take as is: exact lengths, what is reported, tracks, refusals."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.audio.probe import probe_audio
from gemini_audio_tools.errors import CorruptAudioError, InvalidArgumentError, UnsupportedAudioError
from tests.fixtures.containers import RECIPES, SECONDS


def ffmpeg_decoded_samples(path: Path, track: int = 0) -> int:
    """What FFmpeg's decoder alone makes of the track (every frame of every packet, no trimming of ours)."""
    with av.open(str(path)) as container:
        return sum(frame.samples for frame in container.decode(container.streams.audio[track]))


def test_every_container_is_probed_with_exactly_the_length_a_whole_decode_gives(
    container_file: tuple[str, Path],
) -> None:
    name, path = container_file
    info = probe_audio(path)
    decoded = len(decode_pcm(path, info.sample_rate))
    assert round(info.duration_seconds * info.sample_rate) == decoded, name
    assert abs(info.duration_seconds - SECONDS) < 0.15, name  # and that is the recording's length


def test_the_probe_names_the_file_its_container_and_codec_and_says_the_api_needs_it_converted(
    container_files: dict[str, Path],
) -> None:
    for name, path in container_files.items():
        info = probe_audio(path)
        recipe = RECIPES[name]
        assert (info.format, info.container, info.codec) == (recipe.format, recipe.container, recipe.codec), (
            name
        )
        assert not info.api_accepts, name
        assert (info.track, info.audio_tracks, info.has_video) == (0, 1, recipe.video is not None), name


def test_mime_types_of_files_the_api_does_not_take_are_their_own_not_an_accepted_one(
    container_files: dict[str, Path],
) -> None:
    found = {
        name: probe_audio(container_files[name]).mime_type for name in ("m4a", "mp4-video", "opus", "webm")
    }
    assert found == {
        "m4a": "audio/mp4",
        "mp4-video": "video/mp4",
        "opus": "audio/ogg; codecs=opus",
        "webm": "video/webm",
    }


def test_the_six_accepted_formats_say_the_api_takes_them_as_is(audio_files: dict[str, Path]) -> None:
    containers = {
        fmt: probe_audio(path).container for fmt, path in audio_files.items() if probe_audio(path).api_accepts
    }
    assert containers == {
        "wav": "wav",
        "mp3": "mp3",
        "aiff": "aiff",
        "aac": "adts",
        "ogg": "ogg",
        "flac": "flac",
    }


def test_an_m4a_is_timed_by_its_edit_list_not_by_what_ffmpegs_decoder_plays(
    container_files: dict[str, Path],
) -> None:
    path = container_files["m4a"]
    info = probe_audio(path)
    assert round(info.duration_seconds * 44100) == round(SECONDS * 44100)  # priming and padding trimmed
    assert ffmpeg_decoded_samples(path) > SECONDS * 44100 + 500  # FFmpeg alone plays the AAC padding
    assert len(decode_pcm(path, 44100)) == round(SECONDS * 44100)


def test_ogg_opus_is_timed_by_its_granule_minus_the_pre_skip_at_48_khz(
    container_files: dict[str, Path],
) -> None:
    info = probe_audio(container_files["opus"])  # recorded at 16 kHz, as voice notes are
    assert (info.sample_rate, round(info.duration_seconds * 48000)) == (48000, round(SECONDS * 48000))
    assert ffmpeg_decoded_samples(container_files["opus"]) == round(SECONDS * 48000)


def test_webm_opus_is_counted_packet_by_packet_to_the_sample(container_files: dict[str, Path]) -> None:
    path = container_files["webm"]
    with av.open(str(path)) as container:
        assert container.streams.audio[0].time_base == Fraction(1, 1000)  # timestamps in ms cannot say it
    assert round(probe_audio(path).duration_seconds * 48000) == ffmpeg_decoded_samples(path)


def test_the_default_audio_track_is_measured_unless_another_is_asked_for(three_track_mp4: Path) -> None:
    default = probe_audio(three_track_mp4)
    assert (default.track, default.audio_tracks, default.duration_seconds) == (1, 3, 3.0)
    lengths = [probe_audio(three_track_mp4, track=n).duration_seconds for n in range(3)]
    assert lengths == [2.0, 3.0, 4.0]
    assert [len(decode_pcm(three_track_mp4, 16000, track=n)) for n in range(3)] == [32000, 48000, 64000]
    assert len(decode_pcm(three_track_mp4, 16000)) == 48000  # the decoder picks the same default


def test_without_a_default_track_the_first_is_used(container_files: dict[str, Path]) -> None:
    with av.open(str(container_files["webm"])) as container:
        assert not container.streams.audio[0].disposition & av.stream.Disposition.default
    assert probe_audio(container_files["webm"]).track == 0


@pytest.mark.parametrize("track", [3, -1])
def test_a_track_that_does_not_exist_is_refused_with_the_tracks_there_are(
    three_track_mp4: Path, track: int
) -> None:
    with pytest.raises(
        InvalidArgumentError, match=r"track -?\d does not exist: '.*' has 3 audio tracks, numbered 0 to 2"
    ):
        probe_audio(three_track_mp4, track=track)


def test_asking_a_single_track_file_for_track_1_says_it_has_one(audio_files: dict[str, Path]) -> None:
    with pytest.raises(InvalidArgumentError, match=r"has one audio track \(track 0\)"):
        probe_audio(audio_files["wav"], track=1)
    assert probe_audio(audio_files["wav"], track=0).track == 0


def test_a_video_without_sound_is_refused_as_such(silent_mp4: Path) -> None:
    with pytest.raises(UnsupportedAudioError, match=r"is an MP4 video with no audio track") as caught:
        probe_audio(silent_mp4)
    assert "ffmpeg" not in str(caught.value).lower()


def test_an_m4a_cut_off_before_its_index_says_the_index_is_missing(truncated_m4as: dict[str, Path]) -> None:
    with pytest.raises(
        CorruptAudioError, match=r"is truncated: .*index \(the 'moov' box.*\) is missing"
    ) as caught:
        probe_audio(truncated_m4as["moov-at-end"])
    assert "ffmpeg" not in str(caught.value).lower()


def test_an_m4a_whose_data_was_cut_off_after_its_index_is_truncated(truncated_m4as: dict[str, Path]) -> None:
    with pytest.raises(CorruptAudioError, match=r"is truncated: its index lists audio data past the end"):
        probe_audio(truncated_m4as["moov-first"])


def test_a_damaged_webm_is_corrupt_and_named(tmp_path: Path) -> None:
    path = tmp_path / "call.webm"
    path.write_bytes(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + bytes(range(256)) * 4)
    with pytest.raises((CorruptAudioError, UnsupportedAudioError)) as caught:
        probe_audio(path)
    assert "WebM" in str(caught.value) and "ffmpeg" not in str(caught.value).lower()


def test_unrecognised_binary_that_ffmpeg_cannot_read_is_not_audio_and_is_not_quoted(tmp_path: Path) -> None:
    path = tmp_path / "blob.mp3"
    path.write_bytes(b"\x30\x82\x04\xa4QWZX" + bytes(range(128, 256)) * 64)
    with pytest.raises(UnsupportedAudioError, match="is not audio in any format we recognise") as caught:
        probe_audio(path)
    message = str(caught.value)
    assert "QWZX" not in message and "ffmpeg" not in message.lower()


@pytest.mark.parametrize("form", [b"RIFF\x00\x10\x00\x00QWZX", b"FORM\x00\x10\x00\x00QWZX"])
def test_unknown_riff_and_iff_forms_are_left_to_ffmpeg_and_never_quoted(tmp_path: Path, form: bytes) -> None:
    path = tmp_path / "odd.wav"
    path.write_bytes(form + bytes(64))
    with pytest.raises(UnsupportedAudioError) as caught:
        probe_audio(path)
    assert "QWZX" not in str(caught.value)


def test_cover_art_does_not_make_audio_a_video(tmp_path: Path, container_files: dict[str, Path]) -> None:
    source = container_files["m4a"]
    target = tmp_path / "with-cover.m4a"
    with av.open(str(source)) as src, av.open(str(target), "w", format="mp4") as out:
        audio = out.add_stream_from_template(src.streams.audio[0])
        cover = out.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 16, 16, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        for packet in cover.encode(frame):
            out.mux(packet)
        for packet in src.demux(src.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = audio
                out.mux(packet)
    info = probe_audio(target)
    assert info.format == "m4a" and not info.has_video


def test_a_picture_ffmpeg_reads_is_refused_as_having_no_audio_track(tmp_path: Path) -> None:
    width = height = 8
    pixels = bytes((width * 3 + 3) // 4 * 4 * height)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    path = tmp_path / "photo.mp3"
    path.write_bytes(b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) + info + pixels)
    with pytest.raises(UnsupportedAudioError, match=r"has no audio track: it is not audio, or a picture"):
        probe_audio(path)


def test_an_ogg_opus_cut_off_mid_page_is_truncated(container_files: dict[str, Path], tmp_path: Path) -> None:
    data = container_files["opus"].read_bytes()
    cut = tmp_path / "note.opus"
    cut.write_bytes(data[: len(data) - 100])
    with pytest.raises(CorruptAudioError, match="truncated: its last Ogg page is cut off"):
        probe_audio(cut)
