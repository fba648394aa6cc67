"""The job store: a job written by one connection is read by another; refreshing a plan keeps the batches
already created; upload intents outlive the process that made them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_audio_tools.batch.store import FileRecord, JobRecord, JobStore, PartRecord, RequestRecord


def _job(job_id: str = "job-1", created: str = "2026-12-02T08:00:00") -> JobRecord:
    return JobRecord(
        job_id, created, "transcribe", {"format": "srt"}, "gemini-3.5-transcribe", None, {"files": 2}
    )


def _save(store: JobStore, input_file: str = "files/in-1") -> None:
    files = [
        FileRecord(0, "a.mp3", "a.mp3", "a", facts={"span": [0, 1]}),
        FileRecord(1, "x.txt", "x.txt", "x", error="not audio"),
    ]
    requests = [RequestRecord(0, 0, "key-a", {"start": 0.0, "end": 1.0})]
    store.save_plan(_job(), files, requests, [PartRecord(1, "gat job-1 part 1/1", ["key-a"], input_file)])


def test_a_saved_job_is_read_back_by_another_store_on_the_same_folder(tmp_path: Path) -> None:
    _save(JobStore(tmp_path))
    other = JobStore(tmp_path)
    assert other.job("job-1") == _job()
    assert [f.out_name for f in other.files("job-1")] == ["a", "x"]
    assert other.files("job-1")[1].error == "not audio"
    assert other.requests("job-1")[0].span == {"start": 0.0, "end": 1.0}
    assert other.parts("job-1")[0].keys == ["key-a"]
    assert other.job("job-2") is None


def test_refreshing_a_plan_keeps_the_batch_of_a_part_already_created(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    _save(store)
    store.update_part("job-1", 1, intent_at="t", batch="batches/b1")
    _save(store, input_file="files/in-2")
    (part,) = store.parts("job-1")
    assert (part.batch, part.intent_at, part.input_file) == ("batches/b1", "t", "files/in-1")


def test_a_part_without_a_batch_takes_the_new_input_file(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    _save(store)
    _save(store, input_file="files/in-2")
    assert store.parts("job-1")[0].input_file == "files/in-2"


def test_jobs_are_listed_newest_first_and_cancellation_is_remembered(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    store.save_plan(_job("job-old", "2026-01-01"), [], [], [])
    store.save_plan(_job("job-new", "2026-06-01"), [], [], [])
    store.mark_cancelled("job-old")
    assert [(j.id, j.cancelled) for j in store.jobs()] == [("job-new", False), ("job-old", True)]


def test_an_upload_intent_stays_until_ended(tmp_path: Path) -> None:
    JobStore(tmp_path).begin_upload("k" * 64, "s" * 64, "2026-12-02T08:00:00")
    store = JobStore(tmp_path)
    assert store.upload_intent("k" * 64) == ("s" * 64, "2026-12-02T08:00:00")
    store.end_upload("k" * 64)
    assert store.upload_intent("k" * 64) is None


def test_only_known_part_fields_can_be_updated(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown part fields"):
        JobStore(tmp_path).update_part("job-1", 1, keys="x")
