from typing import Any

import pytest

from gemini_audio_tools.emulator.intent import (
    Task,
    detect_intent,
    find_clip,
    find_time_range,
    is_transcript_schema,
    parse_time,
)

SEGMENTS_OPENAPI: dict[str, Any] = {
    "type": "OBJECT",
    "properties": {
        "segments": {
            "type": "ARRAY",
            "items": {
                "type": "OBJECT",
                "properties": {
                    "start": {"type": "STRING"},
                    "end": {"type": "STRING"},
                    "text": {"type": "STRING"},
                },
            },
        }
    },
}
SEGMENTS_JSON_SCHEMA_WITH_REFS: dict[str, Any] = {
    "$defs": {
        "Line": {
            "type": "object",
            "properties": {"begin_seconds": {"type": "number"}, "utterance": {"type": "string"}},
        }
    },
    "type": "object",
    "properties": {"lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}}},
}


@pytest.mark.parametrize(
    ("prompt", "task"),
    [
        ("Transcribe this audio.", Task.TRANSCRIBE),
        ("Generate a transcript of the recording.", Task.TRANSCRIBE),
        ("Write down everything verbatim.", Task.TRANSCRIBE),
        ("What is said in this recording?", Task.TRANSCRIBE),
        ("Describe this audio.", Task.DESCRIBE),
        ("Summarize the recording, focus on the background sounds.", Task.DESCRIBE),
        ("What kind of audio is this?", Task.DESCRIBE),
        ("How long is the recording?", Task.ANSWER),
        ("Does the speaker mention the budget?", Task.ANSWER),
        ("Is there any speech", Task.ANSWER),
        ("Answer this question about the audio: Does the speaker describe the weather?", Task.ANSWER),
        ("Question: should I transcribe it?", Task.ANSWER),
    ],
)
def test_the_prompt_decides_the_task(prompt: str, task: Task) -> None:
    assert detect_intent(prompt, None, None).task is task


def test_a_prompt_without_a_signal_falls_back_to_the_system_instruction_then_to_a_description() -> None:
    assert detect_intent("Here is the file.", "You transcribe audio verbatim.", None).task is Task.TRANSCRIBE
    assert detect_intent("Here is the file.", None, None).task is Task.DESCRIBE


def test_the_prompt_wins_over_a_generic_system_instruction() -> None:
    intent = detect_intent("How long is it?", "You are an audio transcription assistant.", None)
    assert intent.task is Task.ANSWER


def test_a_transcript_shaped_schema_means_a_transcript_with_timestamps() -> None:
    intent = detect_intent("Process this.", None, SEGMENTS_OPENAPI)
    assert intent.task is Task.TRANSCRIBE
    assert intent.timestamps


def test_transcript_shaped_schemas_are_recognized_through_refs_and_other_field_names() -> None:
    assert is_transcript_schema(SEGMENTS_OPENAPI)
    assert is_transcript_schema(SEGMENTS_JSON_SCHEMA_WITH_REFS)
    assert not is_transcript_schema({"type": "object", "properties": {"summary": {"type": "string"}}})
    assert not is_transcript_schema(None)


def test_timestamps_and_speakers_are_noticed_in_the_prompt() -> None:
    intent = detect_intent("Transcribe with timestamps and label each speaker.", None, None)
    assert intent.timestamps and intent.speakers
    plain = detect_intent("Transcribe.", None, None)
    assert not plain.timestamps and not plain.speakers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Only consider the audio from 01:00 to 02:30.", (60.0, 150.0)),
        ("between 1:00 and 2:30", (60.0, 150.0)),
        ("Transcribe 00:10.5 - 00:20", (10.5, 20.0)),
        ("from 1:02:03 to 1:05:00.250", (3723.0, 3900.25)),
        ("starting at 90 seconds until 120 s", (90.0, 120.0)),
    ],
)
def test_prompt_based_time_ranges_are_parsed(text: str, expected: tuple[float, float]) -> None:
    assert find_time_range(text) == pytest.approx(expected)
    assert detect_intent(text, None, None).time_range == pytest.approx(expected)


def test_ranges_that_end_before_they_start_or_plain_numbers_are_not_ranges() -> None:
    assert find_time_range("from 02:30 to 01:00") is None
    assert find_time_range("There were 3 to 4 people.") is None


def test_time_codes_parse_to_seconds() -> None:
    assert parse_time("75") == 75
    assert parse_time("01:15") == 75
    assert parse_time("1:00:00.5") == 3600.5
    assert parse_time("12 seconds") == 12


CLIP = (
    "This audio is the part from 1:00 to 1:30 of a longer recording. Give every time on the recording's "
    "timeline: add 1:00 to a time measured from the start of this audio (0:10 into it is 1:10)."
)


def test_a_prompt_saying_where_the_clip_sits_gives_the_clip_and_no_range_to_cut() -> None:
    intent = detect_intent(
        f"Answer this question about the audio: When is coffee mentioned?\n\n{CLIP}", None, None
    )
    assert intent.task is Task.ANSWER
    assert intent.clip == (60.0, 90.0) and intent.time_range is None


def test_the_clip_sentence_is_removed_so_its_times_are_not_read_again() -> None:
    clip, rest = find_clip(f"Describe this audio. {CLIP}")
    assert clip == (60.0, 90.0)
    assert "1:30" not in rest and rest.startswith("Describe this audio. ")


def test_hours_and_fractions_in_the_clip_sentence_are_read() -> None:
    clip, _ = find_clip("This audio is the part from 1:00:00 to 1:00:30.5 of a longer recording.")
    assert clip == (3600.0, 3630.5)


def test_a_range_to_cut_beside_a_clip_is_still_a_range() -> None:
    intent = detect_intent(f"Use only the audio from 1:05 to 1:10. {CLIP}", None, None)
    assert intent.clip == (60.0, 90.0) and intent.time_range == (65.0, 70.0)


@pytest.mark.parametrize(
    "prompt",
    [
        "Describe the audio from 1:00 to 1:30.",
        "This audio is the part from 1:30 to 1:00 of a longer recording.",
        "The talk is the part from 1:00 to 1:30 of the podcast I liked.",
    ],
)
def test_prompts_that_do_not_place_the_audio_on_a_recording_give_no_clip(prompt: str) -> None:
    assert detect_intent(prompt, None, None).clip is None
