"""Cuts of a range, as the library makes them (encode.flac_range): sample-exact, on the file's timeline,
temporary files always removed."""

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.audio.probe import probe_audio
from gemini_audio_tools.errors import InvalidTimeRangeError, UnsupportedAudioError
from tests.audio._clips import clip_range


def assert_clip_matches(
    source: Path, start: float | None, end: float | None, tolerance: float = 1e-4
) -> None:
    reference = decode_pcm(source, 16000)
    with clip_range(source, start, end) as clip:
        got = decode_pcm(clip.path, 16000)
        assert clip.mime_type == "audio/flac" and probe_audio(clip.path).format == "flac"
    first = round((start or 0) * 16000)
    last = round((probe_audio(source).duration_seconds if end is None else end) * 16000)
    assert len(got) == last - first  # sample-exact length
    assert np.max(np.abs(got - reference[first:last])) <= tolerance


def test_clips_of_every_format_hold_exactly_the_requested_samples(audio_file: Path) -> None:
    assert_clip_matches(audio_file, 1.25, 2.5)


def test_a_clip_from_the_start_and_one_to_the_end_match_the_original(audio_files: dict[str, Path]) -> None:
    for path in audio_files.values():
        assert_clip_matches(path, None, 0.8)
        assert_clip_matches(path, 3.1, None)


def test_lame_mp3_cuts_are_rebased_on_the_first_audible_sample(lame_mp3: Path) -> None:
    assert probe_audio(lame_mp3).start_time > 0.025
    assert_clip_matches(lame_mp3, 0.0, 1.0)
    assert_clip_matches(lame_mp3, 2.0, 3.5)


def test_cuts_late_in_vbr_mp3_stay_sample_exact(vbr_mp3: Path, vbr_mp3_without_xing: Path) -> None:
    assert_clip_matches(vbr_mp3, 4.5, 5.5)
    assert_clip_matches(vbr_mp3_without_xing, 1.9, 2.2)


def test_odd_rates_are_resampled_without_shifting_the_cut(odd_rate_files: dict[str, Path]) -> None:
    for name, path in odd_rate_files.items():
        assert_clip_matches(path, 1.5, 2.75, tolerance=0.01 if name.startswith("aac") else 1e-4)


def test_the_clip_reports_its_range_and_size(audio_files: dict[str, Path]) -> None:
    with clip_range(audio_files["ogg"], 0.5, 1.5) as clip:
        assert (clip.start_seconds, clip.end_seconds, clip.duration_seconds) == (0.5, 1.5, 1.0)
        assert clip.size_bytes == clip.path.stat().st_size > 0
        assert (clip.sample_rate, clip.channels) == (16000, 1)


def test_multichannel_audio_is_downmixed_to_mono_unless_asked_to_keep_it(
    multichannel_files: dict[str, Path],
) -> None:
    six = multichannel_files["flac-6ch"]
    with clip_range(six, 1.0, 2.0) as clip:
        assert (probe_audio(clip.path).channels, probe_audio(clip.path).sample_rate) == (1, 16000)
    with clip_range(six, 1.0, 2.0, sample_rate=None, mono=False) as clip:
        info = probe_audio(clip.path)
        assert (info.channels, info.sample_rate, info.duration_seconds) == (6, 48000, 1.0)


def test_keeping_the_original_rate_cuts_at_the_original_sample(multichannel_files: dict[str, Path]) -> None:
    stereo = multichannel_files["wav-2ch"]
    with clip_range(stereo, 0.25, 0.75, sample_rate=None, mono=False) as clip:
        info = probe_audio(clip.path)
        assert round(info.duration_seconds * 48000) == 24000


def test_the_temporary_file_is_deleted_when_the_block_ends(
    audio_files: dict[str, Path], no_leftovers: None
) -> None:
    with clip_range(audio_files["wav"], 0.0, 1.0) as clip:
        assert clip.path.exists()
    assert not clip.path.exists()


def test_the_temporary_file_is_deleted_when_the_block_raises(audio_files: dict[str, Path]) -> None:
    with pytest.raises(RuntimeError, match="boom"), clip_range(audio_files["mp3"], 0.0, 1.0) as clip:
        path = clip.path
        raise RuntimeError("boom")
    assert not path.exists()


def test_a_failed_clip_leaves_no_temporary_file(
    text_as_mp3: Path, audio_files: dict[str, Path], no_leftovers: None
) -> None:
    with pytest.raises(UnsupportedAudioError), clip_range(text_as_mp3, None, None):
        pass
    with pytest.raises(InvalidTimeRangeError), clip_range(audio_files["wav"], 1.0, 9.0):
        pass


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (1.0, 12.5, r"^end 0:12\.5 is past the end of the audio \(0:04\); use an end of at most 0:04"),
        (5.0, None, r"^start 0:05 is at or past the end of the audio \(0:04\)"),
        (2.0, 1.0, r"^start 0:02 must be before end 0:01; swap them"),
        (1.5, 1.5, r"^start 0:01\.5 must be before end 0:01\.5"),
        (-1.0, 2.0, r"^start -1\.0 is not a time in the audio; times cannot be negative"),
    ],
)
def test_bad_ranges_say_what_is_wrong_and_the_real_length(
    audio_files: dict[str, Path], start: float, end: float | None, message: str
) -> None:
    with pytest.raises(InvalidTimeRangeError, match=message), clip_range(audio_files["flac"], start, end):
        pass


def test_an_end_a_rounding_error_past_the_duration_means_the_end(audio_files: dict[str, Path]) -> None:
    with clip_range(audio_files["wav"], 3.0, 4.001) as clip:
        assert clip.end_seconds == 4.0 and clip.duration_seconds == 1.0
    with pytest.raises(InvalidTimeRangeError, match="past the end"), clip_range(audio_files["wav"], 3.0, 4.1):
        pass


@pytest.mark.parametrize("name", ["lame-mp3", "aac-silence"])
def test_a_clip_late_in_a_long_mp3_or_adts_file_read_from_its_seek_table_is_the_clip_read_from_the_start(
    long_streams: dict[str, Path], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gemini_audio_tools.audio import _feed, _seek, _walk
    from gemini_audio_tools.audio._open import FileKey, open_view

    path = long_streams[name]
    with clip_range(path, 24.0, 28.5) as clip:  # no table: ~0.5 MB is under the walk's 2 MiB
        skipped = clip.path.read_bytes()
    monkeypatch.setattr(_walk, "WALK_ABOVE_BYTES", 0)
    monkeypatch.setattr(_walk, "STRETCH_BYTES", 4096)
    views: list[int] = []

    def counted(path: Path, offset: int, fmt: str, key: FileKey) -> AbstractContextManager[Any]:
        views.append(offset)
        return open_view(path, offset, fmt, key)

    monkeypatch.setattr(_feed, "open_view", counted)
    _seek._table.cache_clear()
    try:
        assert _seek.seek_table(path, path.suffix[1:]) is not None
        with clip_range(path, 24.0, 28.5) as clip:
            assert clip.path.read_bytes() == skipped
        assert len(views) == 1 and views[0] > path.stat().st_size * 0.7  # opened at a frame ~23 s in
    finally:
        _seek._table.cache_clear()
