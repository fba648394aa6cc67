"""Reading a speech-to-text reply: Duration offsets and utterances whose times come only from their words."""

from __future__ import annotations

import pytest
from google.genai import types

from gemini_audio_tools.backend.transcription import duration_seconds, utterance_of


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1.500s", 1.5), ("0s", 0.0), ("12s", 12.0), ("", None), (None, None), ("1.5", None)],
)
def test_duration_strings_are_read_as_seconds(text: str | None, seconds: float | None) -> None:
    assert duration_seconds(text) == seconds


def test_an_utterance_without_offsets_takes_its_times_from_its_words() -> None:
    part = types.Transcription(
        text=" Hello there. ",
        speaker_label="spk_2",
        language_code="en-US",
        words=[
            types.WordInfo(word="Hello", start_offset="1.200s", end_offset="1.500s"),
            types.WordInfo(word="there.", start_offset="1.500s", end_offset="2s"),
        ],
    )
    utterance = utterance_of(part)
    assert (utterance.text, utterance.start, utterance.end) == ("Hello there.", 1.2, 2.0)
    assert (utterance.speaker, utterance.language, len(utterance.words)) == ("spk_2", "en-US", 2)


def test_an_utterance_with_nothing_timed_has_no_times() -> None:
    utterance = utterance_of(types.Transcription(text="Tidy text."))
    assert (utterance.start, utterance.end, utterance.words) == (None, None, ())
