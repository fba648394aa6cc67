"""EmulatorClock: real time plus an offset tests move, and the API's timestamp format."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from gemini_audio_tools.emulator.clock import EmulatorClock, rfc3339


def test_advance_moves_now_forward_by_exactly_that_much() -> None:
    clock = EmulatorClock(datetime(2030, 5, 1, tzinfo=timezone.utc))
    before = clock.now()

    after = clock.advance(3600)

    assert timedelta(hours=1) <= after - before < timedelta(hours=1, seconds=1)


def test_reset_returns_to_real_time() -> None:
    clock = EmulatorClock()
    clock.advance(10**6)

    clock.reset()

    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=1)


def test_a_naive_start_time_means_utc() -> None:
    clock = EmulatorClock(datetime(2030, 1, 1))

    assert clock.now().year == 2030 and clock.now().tzinfo is not None


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_advancing_by_a_non_finite_amount_is_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        EmulatorClock().advance(bad)


def test_rfc3339_is_utc_with_microseconds_and_z() -> None:
    when = datetime(2025, 3, 29, 13, 39, 16, 599879, tzinfo=timezone(timedelta(hours=1)))

    assert rfc3339(when) == "2025-03-29T12:39:16.599879Z"
