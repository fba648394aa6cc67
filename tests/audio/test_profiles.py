"""The wire profiles' rules: what must be transcoded, what is already compact, what bit rate fits inline."""

from __future__ import annotations

from pathlib import Path

from gemini_audio_tools.audio.probe import probe_audio
from gemini_audio_tools.audio.profiles import (
    INLINE_REQUEST_BYTES,
    compact_bit_rate,
    is_compact,
    must_transcode,
    passes_through,
)
from tests.fixtures.audio import MakeAudio

HOUR = 3600


def test_must_transcode_and_is_compact_read_the_probe(
    audio_files: dict[str, Path], container_files: dict[str, Path], make_audio: MakeAudio
) -> None:
    assert not any(must_transcode(probe_audio(path)) for path in audio_files.values())
    assert all(must_transcode(probe_audio(path)) for path in container_files.values())
    assert is_compact(probe_audio(make_audio("mp3", 4.0, rate=16000)))
    assert not is_compact(probe_audio(audio_files["wav"]))  # PCM is never compact
    assert not is_compact(probe_audio(container_files["opus"]))  # compact, but the API must get MP3


def test_the_compact_bit_rate_drops_so_that_9_5_hours_fit_one_inline_request() -> None:
    assert compact_bit_rate(60) == compact_bit_rate(5 * HOUR) == 32_000
    assert compact_bit_rate(6 * HOUR) == 24_000
    assert compact_bit_rate(9 * HOUR) == compact_bit_rate(9.5 * HOUR) == 16_000
    for hours in (1, 5, 6, 9, 9.5):
        seconds = hours * HOUR
        base64 = (compact_bit_rate(seconds) / 8 * seconds + 4096) * 4 / 3
        assert base64 <= INLINE_REQUEST_BYTES - 1_000_000, hours  # with room for the prompt


def test_only_a_whole_accepted_file_can_pass_through(
    audio_files: dict[str, Path], container_files: dict[str, Path]
) -> None:
    wav = probe_audio(audio_files["wav"])
    assert passes_through(wav, "original") and passes_through(wav, "original", 0.0, wav.duration_seconds)
    assert not passes_through(wav, "original", 0.5, None)
    assert not passes_through(wav, "compact")  # PCM is not compact
    assert not passes_through(probe_audio(container_files["m4a"]), "original")
