import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gemini_audio_tools.audio.chunks import plan_chunks
from gemini_audio_tools.timecode import Span

TOLERANCE = 1e-6

durations = st.floats(min_value=0.5, max_value=40_000, allow_nan=False)
maxima = st.floats(min_value=30.0, max_value=4_000, allow_nan=False)  # at most ~1,300 chunks
overlap_fractions = st.floats(min_value=0.0, max_value=0.45)
pause_lists = st.lists(
    st.tuples(st.floats(min_value=0, max_value=1), st.floats(min_value=0.0001, max_value=0.01)), max_size=40
)


def plan_with(
    duration: float, maximum: float, fraction: float, pauses: list[tuple[float, float]]
) -> list[Span]:
    silences = [(at * duration, at * duration + length * duration) for at, length in pauses]
    return plan_chunks(Span(0.0, duration), maximum, overlap_seconds=fraction * maximum, silences=silences)


@settings(deadline=None)
@given(durations, maxima, overlap_fractions, pause_lists)
def test_chunks_cover_the_whole_audio_without_gaps(
    duration: float, maximum: float, fraction: float, pauses: list[tuple[float, float]]
) -> None:
    plans = plan_with(duration, maximum, fraction, pauses)
    assert plans[0].start == 0.0 and plans[-1].end == duration
    for before, after in itertools.pairwise(plans):
        assert after.start <= before.end + TOLERANCE
    assert [p.index for p in plans] == list(range(len(plans)))


@settings(deadline=None)
@given(durations, maxima, overlap_fractions, pause_lists)
def test_no_chunk_is_longer_than_the_maximum(
    duration: float, maximum: float, fraction: float, pauses: list[tuple[float, float]]
) -> None:
    assert all(
        p.seconds <= maximum * (1 + 1e-9) + TOLERANCE for p in plan_with(duration, maximum, fraction, pauses)
    )


@settings(deadline=None)
@given(durations, maxima, overlap_fractions, pause_lists)
def test_chunks_and_keep_ranges_move_forward(
    duration: float, maximum: float, fraction: float, pauses: list[tuple[float, float]]
) -> None:
    plans = plan_with(duration, maximum, fraction, pauses)
    for before, after in itertools.pairwise(plans):
        assert before.start < after.start and before.end < after.end
        assert before.keep_end == after.keep_start  # keep ranges tile the audio exactly
    for plan in plans:
        assert plan.start <= plan.keep_start < plan.keep_end <= plan.end
    assert plans[0].keep_start == 0.0 and plans[-1].keep_end == duration


@settings(deadline=None)
@given(durations, maxima, overlap_fractions)
def test_neighbours_overlap_by_the_requested_amount_centred_on_the_cut(
    duration: float, maximum: float, fraction: float
) -> None:
    overlap = fraction * maximum
    plans = plan_chunks(Span(0.0, duration), maximum, overlap_seconds=overlap)
    for before, after in itertools.pairwise(plans):
        assert before.end - after.start == pytest.approx(overlap, abs=TOLERANCE)
        assert before.end - before.keep_end == pytest.approx(overlap / 2, abs=TOLERANCE)


@settings(deadline=None)
@given(durations, maxima)
def test_the_fewest_chunks_are_used(duration: float, maximum: float) -> None:
    assert len(plan_chunks(Span(0.0, duration), maximum)) == max(1, math.ceil(duration / maximum - 1e-9))


def test_short_audio_is_one_chunk() -> None:
    assert plan_chunks(Span(0.0, 30.0), 600.0, overlap_seconds=5.0) == [Span(0.0, 30.0)]


def test_cuts_move_into_the_middle_of_a_nearby_pause() -> None:
    plans = plan_chunks(Span(0.0, 1000.0), 600.0, silences=[(470.0, 471.0), (520.0, 530.0), (800.0, 801.0)])
    assert [p.keep_end for p in plans[:-1]] == [525.0]  # the longest pause within 60 s of the even cut (500)


def test_a_pause_that_would_make_a_chunk_too_long_is_ignored() -> None:
    plans = plan_chunks(Span(0.0, 1190.0), 600.0, silences=[(640.0, 650.0)])
    assert plans[0].end <= 600.0 and plans[0].keep_end == 595.0


def test_a_pause_outside_the_window_is_ignored() -> None:
    plans = plan_chunks(Span(0.0, 1000.0), 600.0, silences=[(100.0, 110.0)], snap_window_seconds=30.0)
    assert plans[0].keep_end == 500.0


@pytest.mark.parametrize(
    ("duration", "maximum", "overlap"), [(0.0, 10.0, 0.0), (10.0, 0.0, 0.0), (100.0, 10.0, 5.0)]
)
def test_impossible_plans_are_refused(duration: float, maximum: float, overlap: float) -> None:
    with pytest.raises(ValueError):
        plan_chunks(Span(0.0, duration), maximum, overlap_seconds=overlap)


def test_a_span_later_in_the_file_is_planned_on_the_file_timeline_with_its_exact_edges() -> None:
    plans = plan_chunks(Span(61.3, 1061.3), 600.0, silences=[(581.3, 591.3)])
    assert plans[0].start == 61.3 and plans[-1].end == 1061.3
    assert plans[0].keep_start == 61.3 and plans[-1].keep_end == 1061.3
    assert [p.keep_end for p in plans[:-1]] == [pytest.approx(586.3)]  # the pause, on the same timeline
