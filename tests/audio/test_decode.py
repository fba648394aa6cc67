from pathlib import Path

import numpy as np
import pytest

from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.errors import AudioFileNotFoundError, CorruptAudioError


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
