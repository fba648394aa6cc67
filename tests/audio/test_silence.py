import numpy as np
import pytest

from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.audio.silence import find_silences
from tests.fixtures.audio import SpeechAudio

RATE = 16000


def tone(seconds: float, level: float = 0.5) -> np.ndarray:
    return (level * np.sin(2 * np.pi * 440 * np.arange(round(seconds * RATE)) / RATE)).astype(np.float32)


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


def test_pauses_between_sounds_are_found_with_their_times() -> None:
    pcm = np.concatenate([tone(1.0), quiet(0.5), tone(1.0), quiet(1.0), tone(0.5)])
    assert find_silences(pcm, RATE) == [(1.0, 1.5), (2.5, 3.5)]


def test_pauses_shorter_than_the_minimum_are_ignored() -> None:
    pcm = np.concatenate([tone(1.0), quiet(0.2), tone(1.0)])
    assert find_silences(pcm, RATE, min_silence=0.3) == []
    assert find_silences(pcm, RATE, min_silence=0.1) == [(1.0, 1.2)]


def test_leading_and_trailing_silence_count_and_end_at_the_audio_end() -> None:
    pcm = np.concatenate([quiet(0.4), tone(1.0), quiet(0.333)])
    assert find_silences(pcm, RATE) == [(0.0, 0.4), (1.4, pytest.approx(1.733, abs=1e-3))]


def test_the_threshold_decides_what_is_quiet() -> None:
    pcm = np.concatenate([tone(1.0), tone(1.0, level=0.001), tone(1.0)])  # about -63 dBFS
    assert find_silences(pcm, RATE, threshold_db=-40) == [(1.0, 2.0)]
    assert find_silences(pcm, RATE, threshold_db=-70) == []


def test_all_silence_is_one_silence_and_empty_audio_has_none() -> None:
    assert find_silences(quiet(2.0), RATE) == [(0.0, 2.0)]
    assert find_silences(np.zeros(0, dtype=np.float32), RATE) == []


def test_sentence_pauses_in_speech_are_found(speech_wav: SpeechAudio) -> None:
    pcm = decode_pcm(speech_wav.path, RATE)
    pauses = [p for p in find_silences(pcm, RATE, min_silence=0.25) if p[0] > 0 and p[1] < len(pcm) / RATE]
    assert len(pauses) >= 2  # three sentences: at least the two pauses between them


def test_stereo_input_is_refused() -> None:
    with pytest.raises(ValueError, match="mono"):
        find_silences(np.zeros((2, 100), dtype=np.float32), RATE)
