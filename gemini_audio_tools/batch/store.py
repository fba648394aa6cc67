"""The batch job store: one sqlite database per account in the cache dir, so a job submitted by one process
is followed, collected or cancelled by another, on another day.

What is kept: the job (operation, options, model, output folder), its files (where each came from, the facts
needed to put replies back on its timeline, what was written or why it failed), its requests (the key of
each JSONL line and the span of audio it covers), its parts (one per remote batch: the display name that
identifies it, the input file, the batch name once created, when creation was attempted) and intents of
uploads in flight.

Decisions (and why): an *intent* is written before every act that costs or creates something remote
(an upload, a batch creation) and cleared or completed after it. A process killed in between leaves the
intent behind, and the next run looks for what the act may have made (a file with the same sha256, a batch
with the same display name) before acting again: that is what makes a re-run never duplicate an upload or a
batch. sqlite (with a busy timeout) serializes writers from several processes; every change is one
transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, operation TEXT NOT NULL, options TEXT NOT NULL,
    model TEXT NOT NULL, out_dir TEXT, plan TEXT NOT NULL, cancelled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS files (
    job TEXT NOT NULL, idx INTEGER NOT NULL, source TEXT NOT NULL, name TEXT NOT NULL, out_name TEXT NOT NULL,
    facts TEXT, error TEXT, written TEXT, PRIMARY KEY (job, idx));
CREATE TABLE IF NOT EXISTS requests (
    job TEXT NOT NULL, file_idx INTEGER NOT NULL, chunk INTEGER NOT NULL, key TEXT NOT NULL,
    span TEXT NOT NULL, PRIMARY KEY (job, file_idx, chunk));
CREATE TABLE IF NOT EXISTS parts (
    job TEXT NOT NULL, number INTEGER NOT NULL, display_name TEXT NOT NULL, keys TEXT NOT NULL,
    input_file TEXT, batch TEXT, intent_at TEXT, results TEXT, PRIMARY KEY (job, number));
CREATE TABLE IF NOT EXISTS upload_intents (
    key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, started_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class JobRecord:
    id: str
    created_at: str
    operation: str
    """'transcribe', 'describe' or 'ask'."""
    options: dict[str, Any]
    """The operation's input fields every file shares (format, speakers, question, …)."""
    model: str
    out_dir: str | None
    plan: dict[str, Any]
    """What the plan estimated (tokens, price, uploads): reported again by status."""
    cancelled: bool = False


@dataclass(frozen=True)
class FileRecord:
    index: int
    source: str
    """What the caller named (a path, or a URL without credentials)."""
    name: str
    out_name: str
    """The output's name in the out folder, without extension (unique within the job)."""
    facts: dict[str, Any] | None = None
    """What rebuilding the file's selection needs (path, url, probed facts, span); None if it failed early."""
    error: str | None = None
    written: str | None = None


@dataclass(frozen=True)
class RequestRecord:
    file_index: int
    chunk: int
    key: str
    """The JSONL line's key; files with the same audio and options share it (and the request)."""
    span: dict[str, float]
    """``start``, ``end``, ``keep_start``, ``keep_end``, ``index`` and ``offset`` (the sent audio's start)."""


@dataclass(frozen=True)
class PartRecord:
    number: int
    display_name: str
    """Unique per job and part: how a batch created by a killed process is found again."""
    keys: list[str]
    input_file: str | None = None
    batch: str | None = None
    intent_at: str | None = None
    results: str | None = None
    """The downloaded responses file, once the batch succeeded."""


class JobStore:
    """The batch jobs of one account, in ``folder/jobs.sqlite3``; job folders (JSONL, results) beside it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "jobs.sqlite3"
        with self._db() as db:
            db.executescript(_SCHEMA)

    def job_folder(self, job: str) -> Path:
        folder = self.folder / job
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=60)
        try:
            with db:  # one transaction: committed on success, rolled back on error
                yield db
        finally:
            db.close()

    # --- jobs --------------------------------------------------------------------------------------------

    def save_plan(
        self, job: JobRecord, files: list[FileRecord], requests: list[RequestRecord], parts: list[PartRecord]
    ) -> None:
        """Record a planned job, or refresh the plan of one a killed process left (keeping its batches)."""
        with self._db() as db:
            db.execute(
                "INSERT INTO jobs VALUES (?,?,?,?,?,?,?,0) ON CONFLICT(id) DO UPDATE SET "
                "out_dir=excluded.out_dir, plan=excluded.plan",
                (
                    job.id,
                    job.created_at,
                    job.operation,
                    _j(job.options),
                    job.model,
                    job.out_dir,
                    _j(job.plan),
                ),
            )
            db.execute("DELETE FROM files WHERE job=? AND written IS NULL", (job.id,))
            db.executemany(
                "INSERT OR IGNORE INTO files VALUES (?,?,?,?,?,?,?,NULL)",
                [(job.id, f.index, f.source, f.name, f.out_name, _j(f.facts), f.error) for f in files],
            )
            db.execute("DELETE FROM requests WHERE job=?", (job.id,))
            db.executemany(
                "INSERT INTO requests VALUES (?,?,?,?,?)",
                [(job.id, r.file_index, r.chunk, r.key, _j(r.span)) for r in requests],
            )
            for p in parts:
                db.execute(
                    "INSERT INTO parts (job, number, display_name, keys, input_file) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(job, number) DO UPDATE SET keys=excluded.keys, "
                    "input_file=excluded.input_file WHERE parts.batch IS NULL",
                    (job.id, p.number, p.display_name, _j(p.keys), p.input_file),
                )

    def job(self, job_id: str) -> JobRecord | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone()
        return None if row is None else _job(row)

    def jobs(self) -> list[JobRecord]:
        """Every job, newest first."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM jobs ORDER BY created_at DESC, id").fetchall()
        return [_job(row) for row in rows]

    def set_out_dir(self, job_id: str, out_dir: str) -> None:
        with self._db() as db:
            db.execute("UPDATE jobs SET out_dir=? WHERE id=?", (out_dir, job_id))

    def mark_cancelled(self, job_id: str) -> None:
        with self._db() as db:
            db.execute("UPDATE jobs SET cancelled=1 WHERE id=?", (job_id,))

    # --- files, requests, parts -------------------------------------------------------------------------

    def files(self, job_id: str) -> list[FileRecord]:
        with self._db() as db:
            rows = db.execute(
                "SELECT idx, source, name, out_name, facts, error, written FROM files "
                "WHERE job=? ORDER BY idx",
                (job_id,),
            ).fetchall()
        return [FileRecord(r[0], r[1], r[2], r[3], _load(r[4]), r[5], r[6]) for r in rows]

    def set_written(self, job_id: str, index: int, path: str | None, error: str | None = None) -> None:
        with self._db() as db:
            db.execute(
                "UPDATE files SET written=?, error=? WHERE job=? AND idx=?", (path, error, job_id, index)
            )

    def requests(self, job_id: str) -> list[RequestRecord]:
        with self._db() as db:
            rows = db.execute(
                "SELECT file_idx, chunk, key, span FROM requests WHERE job=? ORDER BY file_idx, chunk",
                (job_id,),
            ).fetchall()
        return [RequestRecord(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def parts(self, job_id: str) -> list[PartRecord]:
        with self._db() as db:
            rows = db.execute(
                "SELECT number, display_name, keys, input_file, batch, intent_at, results FROM parts "
                "WHERE job=? ORDER BY number",
                (job_id,),
            ).fetchall()
        return [PartRecord(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5], r[6]) for r in rows]

    def update_part(self, job_id: str, number: int, **values: str | None) -> None:
        """Set ``input_file``, ``batch``, ``intent_at`` or ``results`` of one part."""
        allowed = {"input_file", "batch", "intent_at", "results"}
        if not values or not set(values) <= allowed:
            raise ValueError(f"unknown part fields: {sorted(set(values) - allowed)}")
        sets = ", ".join(f"{name}=?" for name in values)
        with self._db() as db:
            db.execute(
                f"UPDATE parts SET {sets} WHERE job=? AND number=?", (*values.values(), job_id, number)
            )

    # --- upload intents ---------------------------------------------------------------------------------

    def upload_intent(self, key: str) -> tuple[str, str] | None:
        """``(sha256, started_at)`` of an upload under ``key`` that was begun and never confirmed."""
        with self._db() as db:
            row = db.execute("SELECT sha256, started_at FROM upload_intents WHERE key=?", (key,)).fetchone()
        return None if row is None else (row[0], row[1])

    def begin_upload(self, key: str, sha256: str, started_at: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO upload_intents VALUES (?,?,?) ON CONFLICT(key) DO NOTHING",
                (key, sha256, started_at),
            )

    def end_upload(self, key: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM upload_intents WHERE key=?", (key,))


def _j(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _job(row: tuple[Any, ...]) -> JobRecord:
    return JobRecord(
        row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], json.loads(row[6]), bool(row[7])
    )
