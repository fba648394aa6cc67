"""Chunk planning in pauses (windows decoded around each cut), the 9.5 h rule, and bounded concurrent runs
that account for every chunk."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import numpy as np
import pytest

from gemini_audio_tools._ops._chunks import (
    MAX_REQUEST_SECONDS,
    failure_notes,
    pauses_near,
    plan_spans,
    plan_spans_at_pauses,
    run_chunks,
)
from gemini_audio_tools._ops._source import LocalAudio, Selection
from gemini_audio_tools.audio import plan_chunks, probe_audio
from gemini_audio_tools.backend.retry import Attempts
from gemini_audio_tools.config import Settings
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.errors import ApiError
from gemini_audio_tools.timecode import Span
from tests.fixtures.audio import write_audio
from tests.fixtures.backend import ProgressLog

RATE = 16_000


def _noise_with_pauses(path: Path, fmt: str) -> LocalAudio:
    rng = np.random.default_rng(7)
    pcm = (0.3 * rng.standard_normal(80 * RATE)).astype(np.float32)
    for start, end in ((27, 29), (52, 55)):
        pcm[start * RATE : end * RATE] = 0.0
    write_audio(path, fmt, pcm.reshape(1, -1), RATE)
    return LocalAudio(path=path, info=probe_audio(path))


@pytest.fixture
def noise_with_pauses(tmp_path: Path) -> LocalAudio:
    """80 s of loud noise, silent at 27-29 s and 52-55 s (stand-ins for pauses between sentences)."""
    return _noise_with_pauses(tmp_path / "pauses.flac", "flac")


@pytest.fixture(scope="module")
def mp3_noise_with_pauses(tmp_path_factory: pytest.TempPathFactory) -> LocalAudio:
    """:func:`noise_with_pauses` as an MP3 (no exact seek: its windows are decoded in one pass)."""
    return _noise_with_pauses(tmp_path_factory.mktemp("mp3") / "pauses.mp3", "mp3")


def first(source: LocalAudio, seconds: float) -> Selection:
    """The first ``seconds`` of ``source`` (past its end, for planning arithmetic alone)."""
    return Selection(source, Span(0.0, seconds))


def split_range(start: float, end: float, max_seconds: float, overlap: float) -> list[Span]:
    return plan_chunks(Span(start, end), max_seconds, overlap)


async def test_cuts_move_into_the_pauses_near_them(noise_with_pauses: LocalAudio) -> None:
    spans = await plan_spans_at_pauses(first(noise_with_pauses, 80.0), 25.0, 2.0, "a transcript")
    assert [round(s.keep_end, 2) for s in spans[:-1]] == [28.0, 53.5]  # the middles of the pauses
    assert spans[0].start == 0.0 and spans[-1].end == 80.0
    assert all(s.end - s.start <= 25.0 + 2.0 + 2 * 2.5 + 1e-9 for s in spans)  # owned + overlap + room
    assert all(a.keep_end == b.keep_start and b.start < a.end for a, b in itertools.pairwise(spans))


def test_pauses_are_found_in_a_window_around_each_cut_only(noise_with_pauses: LocalAudio) -> None:
    pauses = pauses_near(noise_with_pauses.path, [28.0, 40.0], 2.5)
    assert len(pauses) == 1
    start, end = pauses[0]
    assert start == pytest.approx(27.0, abs=0.02) and end == pytest.approx(29.0, abs=0.02)


def test_a_window_running_past_the_end_of_the_audio_still_finds_its_pauses(
    noise_with_pauses: LocalAudio,
) -> None:
    pauses = pauses_near(noise_with_pauses.path, [60.0], 30.0)  # 30-90 s of an 80 s file
    assert [(round(a), round(b)) for a, b in pauses] == [(52, 55)]


def test_pauses_near_cuts_in_an_mp3_are_those_each_window_decoded_alone_has(
    mp3_noise_with_pauses: LocalAudio,
) -> None:
    path, cuts = mp3_noise_with_pauses.path, [20.0, 23.0, 27.5, 28.5, 53.0, 70.0, 79.0]
    pauses = pauses_near(path, cuts, 3.0)  # windows overlapping, and one past the end
    alone = [pause for cut in cuts for pause in pauses_near(path, [cut], 3.0)]
    assert pauses == alone
    assert [(round(a), round(b)) for a, b in pauses] == [(27, 29), (27, 29), (52, 55)]


def test_windows_of_a_file_that_cannot_be_decoded_contribute_no_pauses(tmp_path: Path) -> None:
    junk = tmp_path / "notes.mp3"
    junk.write_text("Meeting notes: call Bob about the budget.\n")
    assert pauses_near(junk, [10.0, 20.0], 5.0) == []


def test_without_pauses_near_a_cut_it_stays_evenly_spaced(noise_with_pauses: LocalAudio) -> None:
    spans = asyncio.run(
        plan_spans_at_pauses(first(noise_with_pauses, 24.0), 6.0, 0.5, "x")
    )  # no pause < 27 s
    even = split_range(0.0, 24.0, 6.0 + 0.5 + 2 * 0.6, 0.5)
    assert len(spans) == 4 and [s.keep_end for s in spans] == [s.keep_end for s in even]


def test_audio_over_nine_and_a_half_hours_is_always_split(noise_with_pauses: LocalAudio) -> None:
    ten_hours = first(noise_with_pauses, 10 * 3600.0)
    spans = plan_spans(ten_hours, 24 * 3600.0, 0.0, "a description")
    assert len(spans) == 2 and all(s.end - s.start <= MAX_REQUEST_SECONDS for s in spans)
    nine_hours = first(noise_with_pauses, 9 * 3600.0)
    assert plan_spans(nine_hours, 24 * 3600.0, 0.0, "x") == [Span(0.0, 9 * 3600.0)]


def test_halves_split_a_span_at_its_middle_with_overlap_and_share_its_keep_window() -> None:
    one, two = Span(100.0, 200.0, 102.0, 198.0, index=3).halves(4.0)
    assert (one.start, one.keep_start, one.keep_end, one.end) == (100.0, 102.0, 150.0, 152.0)
    assert (two.start, two.keep_start, two.keep_end, two.end) == (148.0, 150.0, 198.0, 200.0)
    assert one.index == two.index == 3


def _ctx(width: int, log: ProgressLog) -> RunContext:
    return RunContext(settings=Settings(api_key="k", max_concurrency=width), progress=log)


async def test_every_chunk_runs_never_more_than_the_bound_at_once_and_reports_progress() -> None:
    spans = split_range(0.0, 100.0, 10.0, 0.0)
    log = ProgressLog()
    running, peak = 0, 0

    async def work(span: Span, attempts: Attempts) -> float:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        for _ in range(3):  # yield so the others get a chance to start
            await asyncio.sleep(0)
        running -= 1
        return span.start

    outcomes = await run_chunks(spans, work, ctx=_ctx(3, log), what="testing")
    assert len(spans) == 10 and peak == 3
    assert [o.value for o in outcomes] == [s.start for s in spans]
    assert [(p, t) for p, t, _ in log.calls] == [(50 + 5 * i, 100) for i in range(11)]  # 0 of 10, then each
    assert all(m is not None and "testing chunk " in m for _, _, m in log.calls[1:])


async def test_a_chunk_that_fails_is_reported_and_named_while_the_others_complete() -> None:
    spans = split_range(0.0, 90.0, 30.0, 0.0)

    async def work(span: Span, attempts: Attempts) -> str:
        attempts.count += 2
        if span.index == 1:
            raise ApiError("The model is overloaded.")
        return "ok"

    log = ProgressLog()
    outcomes = await run_chunks(spans, work, ctx=_ctx(4, log), what="transcribing")
    assert [o.report.status for o in outcomes] == ["ok", "failed", "ok"]
    assert outcomes[1].report.error == "The model is overloaded." and outcomes[1].report.attempts == 2
    assert any(m and m.endswith(": failed") for _, _, m in log.calls)
    (note,) = failure_notes(outcomes)
    assert "0:30–1:00" in note and "overloaded" in note and "start='0:30'" in note


async def test_when_every_chunk_fails_the_first_error_is_raised() -> None:
    async def work(span: Span, attempts: Attempts) -> str:
        raise ApiError(f"failed {span.index}")

    with pytest.raises(ApiError, match="failed 0"):
        await run_chunks(split_range(0.0, 60.0, 30.0, 0.0), work, ctx=_ctx(2, ProgressLog()), what="x")
