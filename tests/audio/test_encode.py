"""The three wire profiles: sample-accurate ranges, sizes per audio hour, pass-through, temp files, memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import av
import numpy as np
import pytest

from gemini_audio_tools.audio import _container, probe, profiles
from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.audio.encode import encode_range
from gemini_audio_tools.audio.probe import probe_audio
from gemini_audio_tools.audio.profiles import (
    COMPACT_MAX_BIT_RATE,
    INLINE_REQUEST_BYTES,
    PROFILES,
    passes_through,
)
from gemini_audio_tools.errors import CorruptAudioError, InvalidTimeRangeError
from tests.fixtures.audio import MakeAudio, SpeechAudio

HOUR = 3600
AAC_TOLERANCE = 5e-3  # FFmpeg's AAC decoder started mid-stream differs slightly in value (test_decode.py)


def slice_of(path: Path, rate: int, start: float, end: float) -> np.ndarray:
    return decode_pcm(path, rate)[round(start * rate) : round(end * rate)]


@pytest.mark.parametrize("name", ["m4a", "mp4-video", "opus", "webm", "mkv-video", "amr", "wma", "caf"])
def test_a_range_of_any_container_becomes_flac_holding_exactly_its_samples(
    container_files: dict[str, Path], name: str, no_leftovers: None
) -> None:
    path = container_files[name]
    info = probe_audio(path)
    with encode_range(path, info, 0.75, 2.25, profile="flac") as out:
        got = decode_pcm(out.path)
        assert (out.format, out.mime_type, out.sample_rate, out.channels) == ("flac", "audio/flac", 16000, 1)
        assert (out.start_seconds, out.end_seconds, out.duration_seconds) == (0.75, 2.25, 1.5)
    reference = slice_of(path, 16000, 0.75, 2.25)
    assert len(got) == len(reference) == 24000
    assert np.max(np.abs(got - reference)) <= AAC_TOLERANCE


@pytest.mark.parametrize("name", ["m4a", "opus", "webm", "wma", "amr"])
def test_compact_is_16_khz_mono_mp3_of_exactly_the_range(
    container_files: dict[str, Path], name: str, no_leftovers: None
) -> None:
    path = container_files[name]
    info = probe_audio(path)
    with encode_range(path, info, 0.5, 2.5, profile="compact") as out:
        assert (out.format, out.mime_type, out.sample_rate, out.channels) == ("mp3", "audio/mp3", 16000, 1)
        probed = probe_audio(out.path)
        got = decode_pcm(out.path)
    assert (probed.format, probed.codec, probed.sample_rate, probed.channels) == ("mp3", "mp3", 16000, 1)
    reference = slice_of(path, 16000, 0.5, 2.5)
    assert len(got) == len(reference) == 32000  # LAME's delay and padding trimmed to the sample
    assert np.corrcoef(got, reference)[0, 1] > 0.99  # the same sound, lossy


@pytest.mark.parametrize("samples", [16000 + 133, 16000 + 147, 16000 + 168, 16000 + 315, 16000 + 448])
def test_an_mp3_decodes_to_exactly_the_samples_written_whatever_the_count(
    make_audio: MakeAudio, samples: int, no_leftovers: None
) -> None:
    """libmp3lame marks some counts' padding on two packets; the LAME header must carry their sum."""
    path = make_audio("wav", 3.0)
    with encode_range(path, probe_audio(path), 0.0, samples / 16000, profile="compact") as out:
        assert len(decode_pcm(out.path)) == samples
        assert round(probe_audio(out.path).duration_seconds * 16000) == samples


def test_original_cuts_a_range_to_flac_at_the_source_rate_and_channels(
    container_files: dict[str, Path], no_leftovers: None
) -> None:
    path = container_files["webm"]  # Opus, 48 kHz stereo: the API does not take it as is
    info = probe_audio(path)
    with encode_range(path, info, 1.0, 2.0, profile="original") as out:
        assert (out.format, out.sample_rate, out.channels, out.passed_through) == ("flac", 48000, 2, False)
        with av.open(str(out.path)) as clip:
            got = np.concatenate([f.to_ndarray().reshape(-1, 2) for f in clip.decode(audio=0)])
    with av.open(str(path)) as source:
        whole = np.concatenate([f.to_ndarray().T for f in source.decode(audio=0)])
    assert got.shape == (48000, 2)
    assert np.max(np.abs(got / 32768 - whole[48000:96000])) <= 1e-4  # 16-bit rounding only


def test_original_keeps_24_bit_sources_bit_exact(tmp_path: Path, no_leftovers: None) -> None:
    path = tmp_path / "studio.wav"
    rng = np.random.default_rng(5)
    pcm = (rng.integers(-(2**23), 2**23, size=(2, 48000)) << 8).astype(np.int32)
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_s24le", rate=48000, layout="stereo")
        frame = av.AudioFrame.from_ndarray(pcm, format="s32p", layout="stereo")
        frame.sample_rate, frame.pts = 48000, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    with (
        encode_range(path, probe_audio(path), 0.25, 0.5, profile="original") as out,
        av.open(str(out.path)) as clip,
    ):
        got = np.concatenate([f.to_ndarray().reshape(-1, 2) for f in clip.decode(audio=0)])
    assert np.array_equal(got.T, pcm[:, 12000:24000])


def test_a_whole_file_the_api_accepts_passes_through_under_original(
    audio_files: dict[str, Path], no_leftovers: None
) -> None:
    for path in audio_files.values():
        info = probe_audio(path)
        with encode_range(path, info, None, None, profile="original") as out:
            assert out.passed_through and out.path == path
            assert (out.mime_type, out.size_bytes, out.duration_seconds) == (
                info.mime_type,
                info.size_bytes,
                info.duration_seconds,
            )
        assert path.exists()  # the caller's file is never removed


def test_a_whole_file_the_api_does_not_take_is_converted_even_under_original(
    container_files: dict[str, Path], no_leftovers: None
) -> None:
    path = container_files["m4a"]
    with encode_range(path, probe_audio(path), None, None, profile="original") as out:
        assert not out.passed_through and out.format == "flac" and out.sample_rate == 44100


def test_compact_passes_through_only_what_is_already_compact(
    make_audio: MakeAudio, tmp_path: Path, no_leftovers: None
) -> None:
    low = make_audio("mp3", 4.0, rate=16000)  # LAME's default for 16 kHz mono: 24 kbps
    high = make_audio("mp3", 4.0, rate=44100, channels=2)
    assert probe_audio(low).bit_rate <= COMPACT_MAX_BIT_RATE < probe_audio(high).bit_rate  # type: ignore[operator]
    with encode_range(low, probe_audio(low), None, None, profile="compact") as out:
        assert out.passed_through and out.path == low
    with encode_range(high, probe_audio(high), None, None, profile="compact") as out:
        assert not out.passed_through and out.size_bytes < probe_audio(high).size_bytes
    with encode_range(low, probe_audio(low), 1.0, None, profile="compact") as out:
        assert not out.passed_through  # a range is always cut


def test_flac_passes_through_only_16_khz_mono_flac(make_audio: MakeAudio, no_leftovers: None) -> None:
    ready, rich = make_audio("flac", 2.0, rate=16000), make_audio("flac", 2.0, rate=44100, channels=2)
    assert passes_through(probe_audio(ready), "flac")
    assert not passes_through(probe_audio(rich), "flac")
    with encode_range(rich, probe_audio(rich), None, None, profile="flac") as out:
        assert (out.sample_rate, out.channels, out.passed_through) == (16000, 1, False)


def test_compact_stays_under_15_mb_per_audio_hour_for_every_input(
    make_audio: MakeAudio, container_files: dict[str, Path], long_speech_wav: SpeechAudio, no_leftovers: None
) -> None:
    long = [make_audio("wav", 30.0, channels=2, rate=48000), make_audio("flac", 30.0, rate=44100)]
    long.append(long_speech_wav.path)
    for path in [*long, *container_files.values()]:
        info = probe_audio(path)
        with encode_range(path, info, None, None, profile="compact") as out:
            size, seconds = out.size_bytes, out.duration_seconds
        assert size <= 32_000 / 8 * seconds + 4096, path.name  # 32 kbps and LAME's Info frame and delay
        if path in long:
            assert size / seconds * HOUR <= 15e6, path.name


def test_a_16_kbps_encoding_really_is_small_enough_for_9_hours_inline(
    make_audio: MakeAudio, monkeypatch: pytest.MonkeyPatch, no_leftovers: None
) -> None:
    path = make_audio("wav", 60.0, channels=2, rate=44100)
    monkeypatch.setattr(profiles, "INLINE_REQUEST_BYTES", 1_200_000)  # a minute now needs the lowest rate
    with encode_range(path, probe_audio(path), None, None, profile="compact") as out:
        assert probe_audio(out.path).bit_rate == pytest.approx(16_000, rel=0.02)
        per_second = out.size_bytes / out.duration_seconds
    assert per_second * 9 * HOUR * 4 / 3 < INLINE_REQUEST_BYTES - 1_000_000


def test_one_channel_mix_serves_decoding_and_encoding(
    multichannel_files: dict[str, Path], no_leftovers: None
) -> None:
    six = multichannel_files["flac-6ch"]  # 5.1: FFmpeg's own downmix would weigh the channels unevenly
    with encode_range(six, probe_audio(six), 0.5, 2.5, profile="flac") as out:
        got = decode_pcm(out.path)
    assert np.max(np.abs(got - slice_of(six, 16000, 0.5, 2.5))) <= 1 / 32768 + 1e-6


def test_the_track_probed_is_the_track_encoded(three_track_mp4: Path, no_leftovers: None) -> None:
    info = probe_audio(three_track_mp4, track=2)  # 4 s at 700 Hz
    with encode_range(three_track_mp4, info, None, None, profile="flac") as out:
        pcm = decode_pcm(out.path)
    assert len(pcm) == 64000
    assert np.argmax(np.abs(np.fft.rfft(pcm))) * 16000 / len(pcm) == pytest.approx(700, abs=2)
    with (
        pytest.raises(ValueError, match="describes audio track 2, not 0"),
        encode_range(three_track_mp4, info, None, None, profile="flac", track=0),
    ):
        pass


def test_the_file_is_not_probed_again(
    container_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, no_leftovers: None
) -> None:
    path = container_files["webm"]
    info = probe_audio(path)

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("probed again")

    monkeypatch.setattr(probe, "probe_audio", refuse)
    monkeypatch.setattr(_container, "container_facts", refuse)
    with encode_range(path, info, 1.0, 2.0, profile="compact") as out:
        assert out.duration_seconds == 1.0


def test_the_temporary_file_is_removed_on_exit_and_on_error(
    audio_files: dict[str, Path], no_leftovers: None
) -> None:
    path = audio_files["wav"]
    info = probe_audio(path)
    for profile in PROFILES:
        with encode_range(path, info, 0.0, 1.0, profile=profile) as out:
            assert out.path.exists() and out.path != path
        assert not out.path.exists()
        with (
            pytest.raises(RuntimeError, match="boom"),
            encode_range(path, info, 0.0, 1.0, profile=profile) as out,
        ):
            raise RuntimeError("boom")
        assert not out.path.exists()


def test_a_failed_encoding_leaves_nothing_behind(
    make_audio: MakeAudio, tmp_path: Path, no_leftovers: None
) -> None:
    path = tmp_path / "changed.m4a"
    path.write_bytes(make_audio("wav", 2.0).read_bytes())
    info = probe_audio(path)
    path.write_bytes(b"\x00\x00\x00\x18ftypM4A " + bytes(4000))  # replaced by a broken file since the probe
    with pytest.raises(CorruptAudioError), encode_range(path, info, 0.0, 1.0, profile="compact"):
        pass
    with (
        pytest.raises(InvalidTimeRangeError, match="past the end"),
        encode_range(path, info, 0.0, 9.0, profile="flac"),
    ):
        pass


def test_memory_does_not_grow_with_the_length_encoded(make_audio: MakeAudio, no_leftovers: None) -> None:
    path = make_audio("wav", 300.0, rate=16000)
    info = probe_audio(path)

    def peak(seconds: float) -> int:
        tracemalloc.start()
        try:
            with encode_range(path, info, 0.0, seconds, profile="flac"):
                return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    short, long = peak(30.0), peak(300.0)
    assert long < short + 2_000_000  # holding 5 minutes of samples would take 17 MB more
