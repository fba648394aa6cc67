from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gemini_audio_tools.errors import InvalidTimeRangeError
from gemini_audio_tools.timecode import (
    END_TOLERANCE_SECONDS,
    Span,
    format_timecode,
    parse_timecode,
    resolve_range,
    resolve_seconds,
)

# --- parse_timecode -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("75", 75.0),
        ("75.5", 75.5),
        ("0", 0.0),
        (".5", 0.5),
        ("1:15", 75.0),
        ("01:15", 75.0),
        ("90:00", 5400.0),
        ("1:02:03", 3723.0),
        ("01:02:03.250", 3723.25),
        ("100:00:00", 360000.0),
        ("  10:28 ", 628.0),
        ("\t3\n", 3.0),
    ],
)
def test_parse_timecode_accepts_seconds_minutes_and_hours_forms(text: str, seconds: float) -> None:
    assert parse_timecode(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "1:2:3:4",
        "1::2",
        ":30",
        "1:",
        "nan",
        "inf",
        "1e3",
        "0x10",
        "1,5",
        "１２",
        "5 s",
        "1:-5",
    ],
)
def test_parse_timecode_rejects_text_that_is_no_time_code_and_shows_the_accepted_forms(text: str) -> None:
    with pytest.raises(InvalidTimeRangeError) as caught:
        parse_timecode(text, name="start")
    message = str(caught.value)
    assert message.startswith("start ")
    assert repr(text) in message
    assert "'MM:SS'" in message and "'HH:MM:SS'" in message


def test_parse_timecode_says_negative_times_are_not_allowed() -> None:
    with pytest.raises(InvalidTimeRangeError, match="cannot be negative"):
        parse_timecode("-5")


def test_parse_timecode_rejects_seconds_of_sixty_or_more_after_a_colon_and_suggests_the_intended_value() -> (
    None
):
    with pytest.raises(InvalidTimeRangeError, match=r"seconds field.*'2:15'"):
        parse_timecode("1:75")
    with pytest.raises(InvalidTimeRangeError, match="seconds field"):
        parse_timecode("0:60")


def test_parse_timecode_rejects_minutes_of_sixty_or_more_in_hours_form_and_suggests_the_intended_value() -> (
    None
):
    with pytest.raises(InvalidTimeRangeError, match=r"minutes field.*'2:00:00'"):
        parse_timecode("1:60:00")


def test_parse_timecode_refuses_overlong_digit_strings_instead_of_overflowing() -> None:
    with pytest.raises(InvalidTimeRangeError):
        parse_timecode("9" * 400)
    with pytest.raises(InvalidTimeRangeError):
        parse_timecode("1" * 5000 + ":00")


def test_parse_timecode_shortens_a_huge_bad_value_in_its_message() -> None:
    with pytest.raises(InvalidTimeRangeError) as caught:
        parse_timecode("x" * 10_000)
    assert len(str(caught.value)) < 300


# --- format_timecode ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (5, "0:05"),
        (628, "10:28"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (3723, "1:02:03"),
        (1.25, "0:01.25"),
        (1.5, "0:01.5"),
        (61.001, "1:01.001"),
        (59.9996, "1:00"),
        (36000, "10:00:00"),
    ],
)
def test_format_timecode_uses_minutes_under_an_hour_hours_beyond_and_fractions_only_when_needed(
    seconds: float, text: str
) -> None:
    assert format_timecode(seconds) == text


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_format_timecode_refuses_negative_or_non_finite_seconds(bad: float) -> None:
    with pytest.raises(ValueError):
        format_timecode(bad)


@given(st.integers(min_value=0, max_value=400 * 3600 * 1000))
def test_formatted_time_codes_parse_back_to_the_same_millisecond(millis: int) -> None:
    assert round(parse_timecode(format_timecode(millis / 1000)) * 1000) == millis


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False))
def test_formatting_any_duration_is_within_half_a_millisecond_after_parsing(seconds: float) -> None:
    assert abs(parse_timecode(format_timecode(seconds)) - seconds) <= 0.0005 + 1e-9


@given(st.text(max_size=60))
def test_parse_timecode_raises_nothing_but_invalid_time_range_error_on_arbitrary_text(text: str) -> None:
    try:
        value = parse_timecode(text)
    except InvalidTimeRangeError:
        return
    assert math.isfinite(value) and value >= 0


@given(
    st.text(alphabet="0123456789:. -", max_size=20),
)
def test_parse_timecode_on_time_code_like_text_either_parses_or_raises_the_documented_error(
    text: str,
) -> None:
    try:
        value = parse_timecode(text)
    except InvalidTimeRangeError as err:
        assert "time " in str(err)
        return
    assert math.isfinite(value) and value >= 0


@given(
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
)
def test_later_times_format_to_time_codes_that_parse_to_later_values(a_millis: int, b_millis: int) -> None:
    a, b = a_millis / 1000, b_millis / 1000
    pa, pb = parse_timecode(format_timecode(a)), parse_timecode(format_timecode(b))
    assert (a < b) == (pa < pb)


# --- resolve_range ------------------------------------------------------------------------------------------


def test_resolve_range_without_start_or_end_is_the_whole_file() -> None:
    rng = resolve_range(None, None, 628.0)
    assert (rng.start, rng.end, rng.covers(628.0)) == (0.0, 628.0, True)
    assert rng.seconds == 628.0


def test_resolve_range_with_explicit_bounds_equal_to_the_file_counts_as_whole() -> None:
    assert resolve_range("0", "10:28", 628.0).covers(628.0)


def test_resolve_range_narrowed_on_either_side_is_not_whole() -> None:
    assert not resolve_range("1:00", None, 628.0).covers(628.0)
    rng = resolve_range(None, "2:00.5", 628.0)
    assert (rng.start, rng.end, rng.covers(628.0)) == (0.0, 120.5, False)


def test_resolve_range_names_the_audio_length_when_end_is_past_the_end() -> None:
    with pytest.raises(InvalidTimeRangeError) as caught:
        resolve_range(None, "12:30", 628.0)
    assert str(caught.value) == (
        "end 12:30 is past the end of the audio (10:28); use an end of at most 10:28 or omit end."
    )


def test_resolve_range_names_the_audio_length_when_start_is_at_or_past_the_end() -> None:
    with pytest.raises(
        InvalidTimeRangeError, match=r"start 10:28 is at or past the end of the audio \(10:28\)"
    ):
        resolve_range("10:28", None, 628.0)


def test_resolve_range_refuses_a_start_after_the_end_and_suggests_swapping() -> None:
    with pytest.raises(InvalidTimeRangeError, match="start 5:00 must be before end 4:00; swap them"):
        resolve_range("5:00", "4:00", 628.0)


def test_resolve_range_refuses_an_empty_range() -> None:
    with pytest.raises(InvalidTimeRangeError, match="must be before end"):
        resolve_range("30", "0:30", 628.0)


def test_resolve_range_clamps_an_end_just_past_the_measured_duration() -> None:
    rng = resolve_range("1", str(10 + END_TOLERANCE_SECONDS - 0.001), 10.0)
    assert rng.end == 10.0
    with pytest.raises(InvalidTimeRangeError, match="past the end"):
        resolve_range("1", str(10 + END_TOLERANCE_SECONDS + 0.01), 10.0)


def test_resolve_range_reports_which_argument_failed_to_parse() -> None:
    with pytest.raises(InvalidTimeRangeError, match=r"^end 'soon' is not a time code"):
        resolve_range("0", "soon", 10.0)
    with pytest.raises(InvalidTimeRangeError, match=r"^start 'later' is not a time code"):
        resolve_range("later", None, 10.0)


@given(
    st.floats(min_value=0.01, max_value=1e6, allow_nan=False),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.floats(min_value=0, max_value=1, allow_nan=False),
)
def test_resolve_range_either_returns_an_ordered_range_inside_the_audio_or_raises(
    duration: float, a: float, b: float
) -> None:
    start, end = format_timecode(a * duration * 1.2), format_timecode(b * duration * 1.2)
    try:
        rng = resolve_range(start, end, duration)
    except InvalidTimeRangeError:
        return
    assert 0 <= rng.start < rng.end <= duration


def test_a_span_keeps_all_of_itself_unless_told_and_labels_itself_in_time_codes() -> None:
    span = Span(60.0, 90.5)
    assert (span.keep_start, span.keep_end, span.index) == (60.0, 90.5, 0)
    assert span.label == "1:00–1:30.5"
    assert Span(60.0, 90.5, 61.0, 89.0, 2).keep_start == 61.0


# --- resolve_seconds ----------------------------------------------------------------------------------------


def test_resolve_seconds_checks_numbers_like_time_codes_and_writes_them_as_time_codes() -> None:
    assert resolve_seconds(None, None, 628.0) == resolve_range(None, None, 628.0)
    assert resolve_seconds(60.0, 120.5, 628.0) == resolve_range("1:00", "2:00.5", 628.0)
    with pytest.raises(InvalidTimeRangeError) as caught:
        resolve_seconds(None, 750.0, 628.0)
    assert str(caught.value) == (
        "end 12:30 is past the end of the audio (10:28); use an end of at most 10:28 or omit end."
    )
    with pytest.raises(InvalidTimeRangeError, match=r"^start 5:00 must be before end 4:00; swap them"):
        resolve_seconds(300.0, 240.0, 628.0)


def test_resolve_seconds_clamps_an_end_just_past_the_duration_like_resolve_range() -> None:
    assert resolve_seconds(1.0, 10.001, 10.0).end == 10.0
    assert resolve_seconds(0.0, 10 + END_TOLERANCE_SECONDS, 10.0).covers(10.0)  # clamped to the end
    with pytest.raises(InvalidTimeRangeError, match="past the end"):
        resolve_seconds(1.0, 10 + END_TOLERANCE_SECONDS + 0.01, 10.0)


@pytest.mark.parametrize("bad", [-0.5, float("nan"), float("inf")])
def test_resolve_seconds_refuses_negative_or_non_finite_times(bad: float) -> None:
    with pytest.raises(InvalidTimeRangeError, match=r"^start .* is not a time in the audio"):
        resolve_seconds(bad, None, 10.0)
    with pytest.raises(InvalidTimeRangeError, match=r"^end .* is not a time in the audio"):
        resolve_seconds(0.0, bad, 10.0)
