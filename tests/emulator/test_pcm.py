import numpy as np
import pytest

from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.emulator.pcm import decoded_seconds, iter_blocks, quiet_cut, read_header
from gemini_audio_tools.errors import CorruptAudioError
from tests.fixtures.audio import MakeAudio, SpeechAudio


def test_the_header_reports_the_original_channels_and_rate(make_audio: MakeAudio) -> None:
    header = read_header(make_audio("flac", 1.0, channels=2, rate=44_100).read_bytes())
    assert (header.channels, header.sample_rate, header.codec) == (2, 44_100, "flac")


def test_decoded_seconds_is_the_decoded_length_not_the_header_guess(make_audio: MakeAudio) -> None:
    assert decoded_seconds(make_audio("wav", 2.5).read_bytes()) == pytest.approx(2.5, abs=1e-3)
    assert decoded_seconds(make_audio("mp3", 2.5).read_bytes()) == pytest.approx(2.5, abs=0.1)


@pytest.mark.parametrize("data", [b"", b"not audio at all" * 10])
def test_bytes_that_are_not_audio_raise_corrupt_audio(data: bytes) -> None:
    with pytest.raises(CorruptAudioError):
        decoded_seconds(data)
    with pytest.raises(CorruptAudioError):
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
