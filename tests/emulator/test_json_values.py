"""Proto3 JSON scalars as the batch and cache endpoints read them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from gemini_audio_tools.emulator.errors import ApiError
from gemini_audio_tools.emulator.json_values import int64, parse_duration, parse_timestamp


@pytest.mark.parametrize(("text", "seconds"), [("300s", 300.0), ("0.5s", 0.5), ("1.123456789s", 1.123456789)])
def test_durations_are_seconds_ending_in_s(text: str, seconds: float) -> None:
    assert parse_duration(text, "ttl") == seconds


@pytest.mark.parametrize("text", ["300", "5m", "-1s", "1.1234567891s", 300])
def test_other_durations_are_a_400_naming_the_field(text: object) -> None:
    with pytest.raises(ApiError) as caught:
        parse_duration(text, "cached_content.ttl")
    assert caught.value.code == 400 and "cached_content.ttl" in caught.value.message


def test_timestamps_are_rfc3339_and_naive_ones_are_utc() -> None:
    assert parse_timestamp("2030-01-02T03:04:05Z", "t") == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert parse_timestamp("2030-01-02T03:04:05", "t").tzinfo == timezone.utc
    with pytest.raises(ApiError, match="RFC 3339"):
        parse_timestamp("tomorrow", "t")


def test_int64_counts_travel_as_strings() -> None:
    assert int64(12) == "12"
