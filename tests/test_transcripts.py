from __future__ import annotations

import itertools
import json

import pytest

from gemini_audio_tools.schemas import Segment
from gemini_audio_tools.timecode import format_timecode
from gemini_audio_tools.transcripts import (
    clock,
    monotonic,
    paginate,
    parse_segments,
    parse_time_value,
    rebase,
    render,
    stitch,
)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("01:02.500", 62.5),
        ("1:02:03", 3723.0),
        ("00:01:02,250", 62.25),
        ("12.5", 12.5),
        ("7s", 7.0),
        (3, 3.0),
        (4.25, 4.25),
    ],
)
def test_time_values_written_by_models_are_read_as_seconds(value: object, seconds: float) -> None:
    assert parse_time_value(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["soon", "", None, True, -1, float("nan"), "1:2:3:4"])
def test_unreadable_time_values_are_none(value: object) -> None:
    assert parse_time_value(value) is None


def test_segments_are_parsed_from_the_schema_shaped_reply() -> None:
    reply = json.dumps(
        {
            "segments": [
                {"start": "00:00.000", "end": "00:02.500", "speaker": "Speaker 1", "text": " Hello there. "},
                {"start": 2.5, "end": 4, "text": "General Kenobi."},
            ]
        }
    )
    assert parse_segments(reply) == [
        Segment(start=0.0, end=2.5, speaker="Speaker 1", text="Hello there."),
        Segment(start=2.5, end=4.0, text="General Kenobi."),
    ]


def test_a_reply_cut_at_the_token_limit_keeps_its_complete_segments() -> None:
    reply = (
        '```json\n{"segments": [{"start": "00:01.000", "end": "00:02.000", "text": "one"}, {"start": "00:0'
    )
    assert parse_segments(reply) == [Segment(start=1.0, end=2.0, text="one")]


def test_segments_without_text_are_dropped_and_missing_times_follow_the_previous_segment() -> None:
    reply = json.dumps([{"start": "00:01", "end": "00:03", "text": "a"}, {"text": ""}, {"text": "b"}])
    assert parse_segments(reply) == [Segment(start=1, end=3, text="a"), Segment(start=3, end=3, text="b")]


def test_a_reply_that_is_not_json_yields_no_segments() -> None:
    assert parse_segments("I could not hear any speech.") == []


def test_rebase_shifts_clip_times_onto_the_file_and_clamps_to_the_range() -> None:
    clip = [Segment(start=0.0, end=2.0, text="a"), Segment(start=58.0, end=61.5, text="b")]
    assert rebase(clip, 60.0, 60.0, 120.0) == [
        Segment(start=60.0, end=62.0, text="a"),
        Segment(start=118.0, end=120.0, text="b"),
    ]


def test_rebase_drops_segments_entirely_outside_the_range() -> None:
    segments = [Segment(start=5, end=8, text="before"), Segment(start=30, end=31, text="after")]
    assert rebase(segments, 0.0, 10.0, 20.0) == []


def test_stitch_keeps_each_overlap_segment_once() -> None:
    first = [Segment(start=0, end=50, text="a"), Segment(start=55, end=62, text="b")]
    second = [Segment(start=55.2, end=62, text="b"), Segment(start=62, end=70, text="c")]
    stitched = stitch([(55.0, 120.0, second), (0.0, 55.0, first)])
    assert [s.text for s in stitched] == ["a", "b", "c"]


def test_paginate_returns_a_first_page_and_where_the_rest_starts() -> None:
    segments = [Segment(start=i * 10, end=i * 10 + 9, text="x" * 100) for i in range(10)]
    page, rest = paginate(segments, 1000)  # each segment costs its text twice plus 100 characters
    assert len(page) == 3
    assert rest == 30
    assert paginate(segments, 10_000) == (segments, None)


def test_a_segment_larger_than_the_budget_still_makes_a_page() -> None:
    segments = [Segment(start=0, end=5, text="y" * 5000), Segment(start=5, end=6, text="z")]
    assert paginate(segments, 100) == ([segments[0]], 5)


def test_monotonic_orders_drops_repeats_and_trims_overlaps() -> None:
    segments = [
        Segment(start=10.0, end=14.0, text="Second sentence."),
        Segment(start=0.0, end=11.0, text="First sentence."),
        Segment(start=13.5, end=15.0, text="second sentence"),  # heard again by the next chunk
        Segment(start=20.0, end=21.0, text="Third."),
        Segment(start=20.0, end=22.0, text="Fourth."),
    ]
    result = monotonic(segments)
    assert [s.text for s in result] == ["First sentence.", "Second sentence.", "Third.", "Fourth."]
    assert result[0].end == 10.0  # trimmed to where the next one starts
    starts = [s.start for s in result]
    assert all(a < b for a, b in itertools.pairwise(starts))
    assert all(s.start <= s.end <= n.start for s, n in itertools.pairwise(result))


def test_clock_is_the_one_time_code_style_of_inspect_and_messages() -> None:
    assert clock(62.5) == format_timecode(62.5) == "1:02.5"
    assert clock(3723.25) == "1:02:03.25"
    assert clock(7.948) == "0:07.948"
    assert clock(-0.2) == "0:00"


def test_srt_and_vtt_keep_their_own_fixed_time_formats_past_an_hour() -> None:
    late = [Segment(start=3723.25, end=3724.0, text="Late.")]
    assert "01:02:03,250 --> 01:02:04,000" in render(late, "srt", timestamps=True, speakers=False)
    assert "01:02:03.250 --> 01:02:04.000" in render(late, "vtt", timestamps=True, speakers=False)


SEGMENTS = [
    Segment(start=0.0, end=1.5, speaker="A", text="Hi."),
    Segment(start=1.5, end=3.0, speaker="A", text="How are you?"),
    Segment(start=3.2, end=4.0, speaker="B", text="Fine."),
]


def test_plain_text_joins_segments_and_breaks_at_speaker_changes() -> None:
    assert render(SEGMENTS, "text", timestamps=False, speakers=False) == "Hi. How are you? Fine."
    assert render(SEGMENTS, "text", timestamps=False, speakers=True) == "A: Hi. How are you?\n\nB: Fine."


def test_timestamped_text_has_one_line_per_segment() -> None:
    text = render(SEGMENTS, "text", timestamps=True, speakers=True)
    assert text.splitlines()[2] == "[0:03.2 - 0:04] B: Fine."


def test_srt_has_numbered_cues_with_comma_milliseconds() -> None:
    srt = render(SEGMENTS[:1], "srt", timestamps=True, speakers=False)
    assert srt == "1\n00:00:00,000 --> 00:00:01,500\nHi.\n"


def test_vtt_has_a_header_and_voice_tags_for_speakers() -> None:
    vtt = render(SEGMENTS[2:], "vtt", timestamps=True, speakers=True)
    assert vtt == "WEBVTT\n\n00:00:03.200 --> 00:00:04.000\n<v B>Fine.\n"


def test_json_rendering_round_trips_the_segments() -> None:
    text = render(SEGMENTS, "json", timestamps=True, speakers=True)
    assert [Segment(**d) for d in json.loads(text)] == SEGMENTS
