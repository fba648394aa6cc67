"""A batch job's state machine, read from its times and progress alone (no server, no model)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gemini_audio_tools.emulator.batch_jobs import BatchJob, BatchStore
from gemini_audio_tools.emulator.clock import EmulatorClock
from gemini_audio_tools.emulator.errors import ApiError
from gemini_audio_tools.emulator.settings import EmulatorSettings

T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)


def _job(tmp_path: Path, pending: float = 60, running: float = 600, expiry: float = 48 * 3600) -> BatchJob:
    run_at = T0 + timedelta(seconds=pending)
    return BatchJob(
        id="b" * 36,
        model="gemini-2.5-flash",
        display_name=None,
        request_count=2,
        create_time=T0,
        run_at=run_at,
        done_after=run_at + timedelta(seconds=running),
        expire_at=T0 + timedelta(seconds=expiry),
        seq=1,
        folder=tmp_path,
        inline_requests=[{}, {}],
    )


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_pending_then_running_then_succeeded_once_answered_and_past_the_running_time(tmp_path: Path) -> None:
    job = _job(tmp_path)
    assert [job.state(at(s)) for s in (0, 60, 61, 700)] == ["PENDING", "PENDING", "RUNNING", "RUNNING"]

    job.finished_at, job.succeeded, job.inlined_responses = at(100), 2, [{}, {}]

    assert job.state(at(659)) == "RUNNING" and job.state(at(660)) == "SUCCEEDED"
    assert job.end_time("SUCCEEDED") == at(660)  # the later of the running time and the last answer


def test_a_job_answered_after_its_running_time_ends_when_answered(tmp_path: Path) -> None:
    job = _job(tmp_path)
    job.finished_at = at(5000)
    assert job.state(at(4999)) == "RUNNING" and job.end_time("SUCCEEDED") == at(5000)


def test_unfinished_at_the_expiry_is_expired_even_if_answered_later(tmp_path: Path) -> None:
    job = _job(tmp_path, running=72 * 3600)
    assert job.state(at(48 * 3600)) == "EXPIRED"
    job.finished_at = at(10)  # answered early, but its running time outlives the expiry
    assert job.state(at(80 * 3600)) == "EXPIRED" and "output" not in str(job.to_json(at(80 * 3600)))


def test_the_clock_saying_done_while_requests_are_unanswered_means_readers_wait(tmp_path: Path) -> None:
    job = _job(tmp_path)
    assert not job.should_be_done(at(700))  # no task: nothing to wait for
    job.finished_at = at(1)
    assert not job.should_be_done(at(700))


def test_stats_leave_zero_counts_out_as_proto3_json_does(tmp_path: Path) -> None:
    job = _job(tmp_path)
    assert job.to_json(at(0))["metadata"]["batchStats"] == {"requestCount": "2", "pendingRequestCount": "2"}
    job.succeeded, job.finished_at, job.inlined_responses = 2, at(1), [{}, {}]
    assert job.to_json(at(700))["metadata"]["batchStats"] == {
        "requestCount": "2",
        "successfulRequestCount": "2",
    }


def test_cancel_and_fail_need_an_unfinished_job(tmp_path: Path) -> None:
    clock = EmulatorClock(T0)
    store = BatchStore(tmp_path / "batches", EmulatorSettings(), clock)
    job = store.add(_job(tmp_path / "job"))

    assert store.cancel(job.name).state(clock.now()) == "CANCELLED"
    with pytest.raises(ApiError) as caught:
        store.fail(job.name, "late")
    assert caught.value.status == "FAILED_PRECONDITION"
    with pytest.raises(ApiError) as missing:
        store.get("batches/nope")
    assert missing.value.code == 404
