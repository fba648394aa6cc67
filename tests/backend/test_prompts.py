from __future__ import annotations

from gemini_audio_tools.backend.prompts import clip_clause
from gemini_audio_tools.emulator.intent import detect_intent


def test_the_clip_clause_says_where_the_clip_sits_and_shows_the_arithmetic() -> None:
    text = clip_clause(60.0, 90.0)
    assert "part from 1:00 to 1:30 of a longer recording" in text
    assert "0:10 into it is 1:10" in text


def test_a_short_clips_example_is_whole_seconds_inside_it() -> None:
    assert "0:02 into it is 1:02:02" in clip_clause(3720.0, 3724.0)
    assert "0:06 into it is 1:07.5" in clip_clause(61.5, 75.25)


def test_the_emulator_reads_the_clip_clause_as_a_place_on_the_recording_not_a_range_to_cut() -> None:
    intent = detect_intent(f"Describe this audio.\n\n{clip_clause(61.5, 75.25)}", None, None)
    assert intent.clip == (61.5, 75.25) and intent.time_range is None
