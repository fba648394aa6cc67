import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.emulator.errors import UndecodableAudioError
from gemini_audio_tools.emulator.pcm import (
    decoded_samples,
    decoded_seconds,
    iter_blocks,
    quiet_cut,
    read_header,
)
from tests.fixtures.audio import MakeAudio, SpeechAudio


def test_the_header_reports_the_original_channels_and_rate(make_audio: MakeAudio) -> None:
    header = read_header(make_audio("flac", 1.0, channels=2, rate=44_100).read_bytes())
    assert (header.channels, header.sample_rate, header.codec) == (2, 44_100, "flac")


def test_decoded_seconds_is_the_decoded_length_not_the_header_guess(make_audio: MakeAudio) -> None:
    assert decoded_seconds(make_audio("wav", 2.5).read_bytes()) == pytest.approx(2.5, abs=1e-3)
    assert decoded_seconds(make_audio("mp3", 2.5).read_bytes()) == pytest.approx(2.5, abs=0.1)


@pytest.mark.parametrize("data", [b"", b"not audio at all" * 10])
def test_bytes_that_are_not_audio_raise_the_emulators_own_undecodable_audio_error(data: bytes) -> None:
    with pytest.raises(UndecodableAudioError):
        decoded_seconds(data)
    with pytest.raises(UndecodableAudioError):
        read_header(data)


def test_blocks_put_back_together_are_the_whole_decoded_audio(speech_wav: SpeechAudio) -> None:
    data = speech_wav.path.read_bytes()
    blocks = list(iter_blocks(data, block_seconds=3.0, cut_search_seconds=1.0))
    assert len(blocks) >= 3
    whole = decode_pcm(data)
    joined = np.concatenate([pcm for _, pcm in blocks])
    assert np.array_equal(joined, whole)
    offsets = [offset for offset, _ in blocks]
    lengths = [len(pcm) / 16_000 for _, pcm in blocks]
    assert offsets == pytest.approx([0.0, *np.cumsum(lengths)[:-1]])


def test_blocks_end_at_a_quiet_frame_near_the_boundary(speech_wav: SpeechAudio) -> None:
    data = speech_wav.path.read_bytes()
    for _, pcm in list(iter_blocks(data, block_seconds=3.0, cut_search_seconds=1.0))[:-1]:
        tail = pcm[-4_800:]
        loudest_frame = max(float(np.mean(tail[i : i + 480] ** 2)) for i in range(0, 4_800, 480))
        assert 3.0 <= len(pcm) / 16_000 <= 4.0
        assert float(np.mean(pcm[-480:] ** 2)) <= loudest_frame


def test_a_range_yields_only_that_stretch_with_its_offset_on_the_files_timeline(
    make_audio: MakeAudio,
) -> None:
    data = make_audio("wav", 5.0).read_bytes()
    blocks = list(iter_blocks(data, start=1.25, end=3.0))
    assert len(blocks) == 1
    offset, pcm = blocks[0]
    assert offset == pytest.approx(1.25)
    assert len(pcm) == round(1.75 * 16_000)


def test_a_range_past_the_end_yields_nothing(make_audio: MakeAudio) -> None:
    assert list(iter_blocks(make_audio("wav", 2.0).read_bytes(), start=5.0, end=6.0)) == []


def test_quiet_cut_lands_in_the_silent_stretch() -> None:
    pcm = np.full(16_000, 0.5, dtype=np.float32)
    pcm[12_000:12_960] = 0.0
    assert 12_000 <= quiet_cut(pcm, search_seconds=0.5) <= 12_480


def _wav(path: Path, samples: int, rate: int = 16_000, channels: int = 1) -> Path:
    """A 16-bit WAV of exactly ``samples`` frames (a quiet ramp), written without PyAV."""
    pcm = (np.arange(samples * channels) % 200 - 100).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def test_decoded_samples_counts_every_frame_per_channel(tmp_path: Path) -> None:
    stored = _wav(tmp_path / "odd.wav", 44_100 * 3 + 1, rate=44_100, channels=2)
    assert decoded_samples(stored) == decoded_samples(stored.read_bytes()) == (44_100 * 3 + 1, 44_100)


def test_a_stored_wav_followed_by_gigabytes_of_zeros_is_read_to_its_riff_end_without_wandering(
    tmp_path: Path,
) -> None:
    """FFmpeg parses every 8 zero bytes after a WAV's data chunk as an empty chunk: unfenced, 200 MB of
    them take ~50 s to open. A hang guard, not a speed target."""
    path = _wav(tmp_path / "padded.wav", 16_000)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size + 4 * 1024**3)  # sparse: costs no disk
    code = (
        "import sys; from pathlib import Path\n"
        "from gemini_audio_tools.emulator.pcm import decoded_samples\n"
        "print(decoded_samples(Path(sys.argv[1])))"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60, check=True
        )
    except subprocess.TimeoutExpired:
        pytest.fail("decoding a 1 s WAV followed by 4 GB of zeros did not finish in 60 s")
    assert done.stdout.strip() == "(16000, 16000)"
