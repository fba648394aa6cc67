"""Batch jobs (``batches/{id}``): their state machine on the emulator's clock and the Operation JSON the API
returns for them.

A job's state is computed, not stored, from the clock and its progress, like a file's: PENDING until
``run_at`` (creation + ``batch_pending_seconds``), RUNNING until every request is answered and at least
``batch_running_seconds`` have passed, then SUCCEEDED; still unfinished ``batch_expiry_seconds`` (48 h) after
creation, it is EXPIRED with no results. CANCELLED and FAILED are set by a call (cancel, or a fault). The
requests are answered in the background from the moment the job exists (see :mod:`.batch_runner`); when the
clock says a job should be done but its requests are still being answered, readers wait for them
(:meth:`BatchStore.settled`), so a test that advances the clock always sees the finished job.

Operation JSON (as the real service answers, and as the SDK's ``_BatchJob_from_mldev`` reads it): ``name``,
``metadata`` (``@type`` GenerateContentBatch, ``model``, ``displayName``, ``inputConfig``, ``output``,
``createTime``, ``updateTime``, ``endTime``, ``batchStats`` with int64-as-string counts, ``state``
``BATCH_STATE_*``, ``name``), and once finished ``done: true`` with ``response`` (GenerateContentBatchOutput).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .clock import EmulatorClock, rfc3339
from .errors import ApiError, failed_precondition
from .json_values import int64
from .paging import page
from .settings import EmulatorSettings

BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"
OUTPUT_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"})
_ID_ALPHABET = string.ascii_lowercase + string.digits


def batch_not_found(name: str) -> ApiError:
    return ApiError(404, f"Batch {name} not found; list batches to see the existing ones.", "NOT_FOUND")


@dataclass
class BatchJob:
    """One batch. The runner fills in the progress fields; everything else is fixed at creation."""

    id: str
    model: str
    display_name: str | None
    request_count: int
    create_time: datetime
    run_at: datetime
    done_after: datetime
    expire_at: datetime
    seq: int
    folder: Path
    input_file: str | None = None
    """``files/…`` for a JSONL input (its bytes are the job's own hard link in ``folder``)."""
    inline_requests: list[dict[str, Any]] | None = None
    succeeded: int = 0
    failed: int = 0
    finished_at: datetime | None = None
    """Emulator time at which every request had been answered."""
    inlined_responses: list[dict[str, Any]] | None = None
    responses_file: str | None = None
    cancelled_at: datetime | None = None
    failed_at: datetime | None = None
    failure: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return f"batches/{self.id}"

    @property
    def input_path(self) -> Path:
        return self.folder / "input.jsonl"

    def stopped(self) -> bool:
        return self.cancelled_at is not None or self.failed_at is not None

    def _succeeds_at(self) -> datetime | None:
        if self.finished_at is None:
            return None
        end = max(self.done_after, self.finished_at)
        return end if end < self.expire_at else None

    def state(self, now: datetime) -> str:
        if self.cancelled_at is not None:
            return "CANCELLED"
        if self.failed_at is not None:
            return "FAILED"
        succeeds_at = self._succeeds_at()
        if succeeds_at is not None and now >= succeeds_at:
            return "SUCCEEDED"
        if now >= self.expire_at:
            return "EXPIRED"
        return "RUNNING" if now > self.run_at else "PENDING"

    def should_be_done(self, now: datetime) -> bool:
        """True when the clock says the job is past its running time but its requests are still being
        answered: a reader must wait for them rather than report a job that never ends."""
        return (
            self.finished_at is None
            and not self.stopped()
            and self.done_after <= now < self.expire_at
            and self.task is not None
            and not self.task.done()
        )

    def end_time(self, state: str) -> datetime | None:
        return {
            "CANCELLED": self.cancelled_at,
            "FAILED": self.failed_at,
            "SUCCEEDED": self._succeeds_at(),
            "EXPIRED": self.expire_at,
        }.get(state)

    def _stats(self, state: str) -> dict[str, str]:
        stats = {"requestCount": int64(self.request_count)}
        counts = {"successfulRequestCount": self.succeeded, "failedRequestCount": self.failed}
        if state == "PENDING":
            counts = {"pendingRequestCount": self.request_count}
        elif state == "RUNNING":
            counts["pendingRequestCount"] = self.request_count - self.succeeded - self.failed
        # proto3 JSON leaves out zero counts, as the real answers do
        return stats | {k: int64(v) for k, v in counts.items() if v}

    def _output(self) -> dict[str, object]:
        if self.responses_file is not None:
            return {"responsesFile": self.responses_file}
        return {"inlinedResponses": {"inlinedResponses": self.inlined_responses or []}}

    def to_json(self, now: datetime) -> dict[str, object]:
        state = self.state(now)
        end = self.end_time(state)
        meta: dict[str, object] = {"@type": BATCH_TYPE, "model": f"models/{self.model}"}
        if self.display_name:
            meta["displayName"] = self.display_name
        if self.input_file:
            meta["inputConfig"] = {"fileName": self.input_file}
        output = self._output() if state == "SUCCEEDED" else None
        if output is not None:
            meta["output"] = output
        meta["createTime"] = rfc3339(self.create_time)
        if end is not None:
            meta["endTime"] = rfc3339(end)
        changed = end or (self.run_at if state == "RUNNING" else self.create_time)
        meta |= {
            "updateTime": rfc3339(changed),
            "batchStats": self._stats(state),
            "state": f"BATCH_STATE_{state}",
            "name": self.name,
        }
        operation: dict[str, object] = {"name": self.name, "metadata": meta}
        if state in TERMINAL:
            operation["done"] = True
        if output is not None:
            operation["response"] = {"@type": OUTPUT_TYPE, **output}
        if state == "FAILED":
            operation["error"] = {"code": 13, "message": self.failure or "The batch failed."}
        return operation


class BatchStore:
    """Every batch of the emulated project. Thread-safe: the server's loop and test code both use it."""

    def __init__(self, root: Path, settings: EmulatorSettings, clock: EmulatorClock) -> None:
        self.root = root
        self.settings = settings
        self.clock = clock
        self._jobs: dict[str, BatchJob] = {}
        self._lock = threading.RLock()
        self._seq = 0
        root.mkdir(parents=True, exist_ok=True)

    def new_id(self) -> str:
        """A fresh 36-character id, the length of the real service's batch ids."""
        with self._lock:
            while True:
                batch_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(36))
                if batch_id not in self._jobs:
                    return batch_id

    def add(self, job: BatchJob) -> BatchJob:
        with self._lock:
            self._seq += 1
            job.seq = self._seq
            self._jobs[job.id] = job
        return job

    def get(self, name: str) -> BatchJob:
        """Raises: ApiError: 404 for an unknown or deleted batch."""
        batch_id = name.removeprefix("batches/")
        with self._lock:
            job = self._jobs.get(batch_id)
        if job is None:
            raise batch_not_found(f"batches/{batch_id}")
        return job

    async def settled(self, job: BatchJob) -> BatchJob:
        """``job`` once the clock's view of it is true: when it should be done, its requests answered."""
        if job.should_be_done(self.clock.now()) and job.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(job.task)
        return job

    def page(self, page_size: int | None, page_token: str | None) -> tuple[list[BatchJob], str | None]:
        """Raises: ApiError: 400 for a malformed page token."""
        with self._lock:
            jobs = list(self._jobs.values())
        return page(jobs, lambda j: j.seq, page_size, page_token, self.settings)

    def active_count(self) -> int:
        now = self.clock.now()
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.state(now) in ("PENDING", "RUNNING"))

    def cancel(self, name: str) -> BatchJob:
        """Stop a pending or running batch; its unanswered requests are dropped.

        Raises:
            ApiError: 404 for an unknown batch, 400 FAILED_PRECONDITION for a finished one.
        """

        def cancelled(job: BatchJob, now: datetime) -> None:
            job.cancelled_at = now

        return self._end(name, "cannot be cancelled", cancelled)

    def fail(self, name: str, message: str) -> BatchJob:
        """Turn a pending or running batch FAILED with ``message`` (fault injection).

        Raises:
            ApiError: 404 for an unknown batch, 400 FAILED_PRECONDITION for a finished one.
        """

        def failed(job: BatchJob, now: datetime) -> None:
            job.failed_at, job.failure = now, message

        return self._end(name, "cannot fail", failed)

    def _end(self, name: str, refusal: str, mark: Callable[[BatchJob, datetime], None]) -> BatchJob:
        """``mark`` a pending or running batch as ended now and stop its worker.

        Raises:
            ApiError: 404 for an unknown batch, 400 FAILED_PRECONDITION (``refusal``) for a finished one.
        """
        job = self.get(name)
        now = self.clock.now()
        with self._lock:
            state = job.state(now)
            if state in TERMINAL:
                raise failed_precondition(f"Batch {job.name} is already {state} and {refusal}.")
            mark(job, now)
        _stop(job.task)
        return job

    def delete(self, name: str) -> None:
        """Forget the batch (stopping it if it runs); its results file, if any, stays in the Files API.

        Raises:
            ApiError: 404 for an unknown batch.
        """
        job = self.get(name)
        with self._lock:
            self._jobs.pop(job.id, None)
            job.cancelled_at = job.cancelled_at or self.clock.now()
        _stop(job.task)
        shutil.rmtree(job.folder, ignore_errors=True)

    def is_current(self, job: BatchJob) -> bool:
        """True while ``job`` may still publish results: not stopped, deleted or wiped by a reset."""
        with self._lock:
            return self._jobs.get(job.id) is job and not job.stopped()

    def publish(self, job: BatchJob, apply: Callable[[], None]) -> bool:
        """Run ``apply`` (which makes the results visible) only if ``job`` is current, atomically with
        respect to cancel, fail, delete and reset; returns whether it ran."""
        with self._lock:
            if not self.is_current(job):
                return False
            apply()
            return True

    def all(self) -> list[BatchJob]:
        with self._lock:
            return list(self._jobs.values())

    def clear(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
            self._jobs.clear()
        for job in jobs:
            _stop(job.task)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)


def _stop(task: asyncio.Task[None] | None) -> None:
    """Cancel ``task`` from any thread (tests reset the state from theirs; the task lives on the server's)."""
    if task is None or task.done():
        return
    with contextlib.suppress(RuntimeError):  # its loop is already closed
        task.get_loop().call_soon_threadsafe(task.cancel)
