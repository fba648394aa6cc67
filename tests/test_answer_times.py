from __future__ import annotations

import pytest

from gemini_audio_tools.answer_times import onto_recording


def test_a_time_relative_to_the_clip_is_moved_onto_the_recording_as_it_was_written() -> None:
    out = onto_recording('At 00:09.080 the speaker says "hello".', 60.0, 90.0)
    assert out.text == 'At 01:09.080 the speaker says "hello".'
    assert out.moved == (("00:09.080", "01:09.080"),)


def test_a_time_already_on_the_recording_is_never_moved() -> None:
    out = onto_recording("At 1:09 the speaker says hello.", 60.0, 90.0)
    assert out.text == "At 1:09 the speaker says hello." and out.moved == ()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("0:05", "1:05"),
        ("00:05", "01:05"),
        ("0:05.5", "1:05.5"),
        ("0:05,25", "1:05,25"),
        ("00:00:05", "00:01:05"),
        ("0:00:05.120", "0:01:05.120"),
    ],
)
def test_the_moved_time_keeps_its_padding_fraction_and_separator(written: str, expected: str) -> None:
    assert onto_recording(f"It starts at {written}.", 60.0, 90.0).text == f"It starts at {expected}."


def test_a_moved_time_that_crosses_the_hour_gains_an_hour_field() -> None:
    assert onto_recording("at 0:20", 3590.0, 3650.0).text == "at 1:00:10"


def test_a_start_with_a_fraction_gives_the_moved_time_a_fraction() -> None:
    assert onto_recording("at 0:20", 60.5, 90.0).text == "at 1:20.5"


def test_a_range_moves_as_one_even_when_one_end_alone_would_fit_the_recording() -> None:
    # clip 0:10-1:10: 0:05 can only be relative, 0:15 alone could be either; the range is relative.
    out = onto_recording("Music plays from 0:05 to 0:15, then speech.", 10.0, 70.0)
    assert out.text == "Music plays from 0:15 to 0:25, then speech."
    assert onto_recording("Music 0:05–0:15.", 10.0, 70.0).text == "Music 0:15–0:25."


def test_an_ambiguous_time_stays_and_is_reported_when_the_answer_used_clip_times_elsewhere() -> None:
    out = onto_recording("First at 0:05, then at 0:30.", 10.0, 70.0)
    assert out.text == "First at 0:15, then at 0:30."
    assert out.unsure == ("0:30",)


def test_ambiguous_times_alone_are_taken_as_the_recording_times_the_prompt_asked_for() -> None:
    out = onto_recording("At 0:30 and at 0:40.", 10.0, 70.0)
    assert out.text == "At 0:30 and at 0:40." and out.unsure == () and out.moved == ()


@pytest.mark.parametrize(
    "text",
    [
        'He says "the meeting is at 0:15 sharp".',
        "The meeting is at 10:15 am.",
        "Church bells ring at 9:15 o'clock.",
        "The music lasts 0:12.",
        "There is 0:12 of silence.",
        "A pause for 0:03 follows.",
        "It is 0:20 long.",
        "At 0:09 into the clip the voice changes.",
        "At 0:09 from the start the voice changes.",
        "The ratio is 16:9 and the score 3:2.",
        "Visit at 12:34:56:78.",
    ],
)
def test_quotes_times_of_day_lengths_offsets_and_non_times_are_left_alone(text: str) -> None:
    assert onto_recording(text, 60.0, 90.0).text == text


def test_a_time_past_both_timelines_is_left_as_written() -> None:
    assert onto_recording("Something at 5:00.", 60.0, 90.0).text == "Something at 5:00."


def test_a_clip_at_the_start_of_the_recording_needs_no_change() -> None:
    assert onto_recording("at 0:05", 0.0, 30.0).moved == ()
    assert onto_recording("at 0:05", 0.4, 30.0).moved == ()


def test_times_glued_to_words_or_digits_are_not_time_codes() -> None:
    text = "Version v0:05 and 1.0:05 and 0:05x."
    assert onto_recording(text, 60.0, 90.0).text == text


def test_every_relative_time_in_a_longer_answer_is_moved_and_recorded_in_order() -> None:
    text = "[00:01] Intro. [00:12] Question. [00:25] Answer (ends 00:29)."
    out = onto_recording(text, 120.0, 150.0)
    assert out.text == "[02:01] Intro. [02:12] Question. [02:25] Answer (ends 02:29)."
    assert [a for a, _ in out.moved] == ["00:01", "00:12", "00:25", "00:29"]
