from typing import Any

import jsonschema  # type: ignore[import-untyped]

from gemini_audio_tools.emulator.recognizer import Segment, Word
from gemini_audio_tools.emulator.schema_fill import FillContext, choose_enum, fill_schema

SEGMENTS = (
    Segment(1.2, 3.4, "Hello there.", (Word(1.2, 1.8, "Hello"), Word(1.9, 3.4, "there."))),
    Segment(3725.0, 3727.5, "Late words."),
)
CONTEXT = FillContext(
    text="Hello there. Late words.",
    segments=SEGMENTS,
    start=0.0,
    end=3730.0,
    channels=2,
    sample_rate=44_100,
    has_speech=True,
)


def lower_types(schema: Any) -> Any:
    """OpenAPI-style schemas use upper-case types; jsonschema wants lower case."""
    if isinstance(schema, dict):
        return {
            k: (v.lower() if k == "type" and isinstance(v, str) else lower_types(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [lower_types(v) for v in schema]
    return schema


def test_segments_with_string_times_get_time_codes_and_a_single_speaker() -> None:
    schema = {
        "type": "OBJECT",
        "properties": {
            "segments": {
                "type": "ARRAY",
                "items": {
                    "type": "OBJECT",
                    "properties": {
                        "start": {"type": "STRING"},
                        "end": {"type": "STRING"},
                        "speaker": {"type": "STRING"},
                        "text": {"type": "STRING"},
                    },
                    "required": ["start", "end", "text"],
                },
            }
        },
        "required": ["segments"],
    }
    value = fill_schema(schema, CONTEXT)
    jsonschema.validate(value, lower_types(schema))
    assert value["segments"][0] == {
        "start": "00:01.200",
        "end": "00:03.400",
        "speaker": "Speaker 1",
        "text": "Hello there.",
    }
    assert value["segments"][1]["start"] == "1:02:05.000"


def test_numeric_time_fields_get_seconds_or_milliseconds_by_their_name() -> None:
    schema = {
        "$defs": {
            "Part": {
                "type": "object",
                "properties": {
                    "start_seconds": {"type": "number"},
                    "end_ms": {"type": "integer"},
                    "content": {"type": "string"},
                    "words": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["start_seconds", "end_ms", "content"],
            }
        },
        "type": "object",
        "properties": {
            "parts": {"type": "array", "items": {"$ref": "#/$defs/Part"}},
            "language": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "duration_seconds": {"type": "number"},
            "channels": {"type": "integer"},
        },
    }
    value = fill_schema(schema, CONTEXT)
    jsonschema.validate(value, schema)
    assert value["parts"][0] == {
        "start_seconds": 1.2,
        "end_ms": 3400,
        "content": "Hello there.",
        "words": ["Hello", "there."],
    }
    assert value["duration_seconds"] == 3730.0
    assert value["channels"] == 2
    assert value["language"] == "en"


def test_a_top_level_array_of_segments_is_filled_with_every_segment() -> None:
    schema = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"from": {"type": "string"}, "to": {"type": "string"}, "text": {"type": "string"}},
        },
    }
    value = fill_schema(schema, CONTEXT)
    jsonschema.validate(value, schema)
    assert [v["text"] for v in value] == ["Hello there.", "Late words."]
    assert value[1]["to"] == "1:02:07.500"


def test_free_text_fields_carry_the_whole_answer_and_enums_stay_valid() -> None:
    schema = {
        "type": "object",
        "properties": {
            "summary": {"type": "string"},
            "has_speech": {"type": "boolean"},
            "mood": {"type": "string", "enum": ["calm", "tense"]},
        },
    }
    value = fill_schema(schema, CONTEXT)
    jsonschema.validate(value, schema)
    assert value["summary"] == CONTEXT.text
    assert value["has_speech"] is True


def test_an_enum_gets_the_value_that_matches_what_was_measured() -> None:
    values = ["music", "speech", "silence", "noise"]
    assert choose_enum(values, CONTEXT) == "speech"
    quiet = FillContext("", (), 0.0, 1.0, 1, 16_000, has_speech=False, character="silent")
    assert choose_enum(values, quiet) == "silence"
    tone = FillContext("", (), 0.0, 1.0, 1, 16_000, has_speech=False, character="tonal")
    assert choose_enum(values, tone) == "music"
    assert choose_enum(["A", "B"], tone) == "A"
