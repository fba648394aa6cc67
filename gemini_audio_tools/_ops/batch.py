"""submit_audio_batch, get_audio_batch, cancel_audio_batch: many files through the Gemini Batch API.

Submitting plans every file (the same spans and requests the interactive tools use; see
:mod:`._batch_plan`), uploads each distinct audio once, writes the requests as JSONL parts within the API's
limits, uploads them and creates one batch per part. The job lives in the store (:mod:`..batch.store`), so
any process can follow it later. A job is named by what it does (operation, options, model, the files
named): submitting the same thing again resumes that job, and never uploads or creates anything twice
(:mod:`..batch.remote`). A cancelled job is not resumed: the same submission then starts a new job.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from pathlib import Path

from ..backend.batches import cancel_batch, get_batch
from ..backend.cache import account_key
from ..backend.client import Backend
from ..backend.model_choice import ModelChoice, choose_model
from ..backend.uploads import Upload, WireAudio
from ..batch.jsonl import BatchLimits, split_parts, write_part
from ..batch.pricing import batch_price_usd
from ..batch.remote import ensure_batch, tracked_upload
from ..batch.schemas import (
    BatchFailure,
    CancelAudioBatchInput,
    CancelAudioBatchOutput,
    GetAudioBatchInput,
    GetAudioBatchOutput,
    SubmitAudioBatchInput,
    SubmitAudioBatchOutput,
)
from ..batch.store import JobRecord, JobStore, PartRecord
from ..config import Settings
from ..context import RunContext
from ..errors import BatchNotFoundError, InvalidArgumentError, PathNotAllowedError
from ..progress import ProgressEvent
from ..schemas import TranscribeAudioInput
from ..urls import is_url, redact_url
from ._batch_collect import ACTIVE, collect, job_state, part_states, remote_state
from ._batch_inputs import check_batch_options, expand_inputs, job_options, operation_input
from ._batch_plan import PlannedFile, plan_file
from ._limits import LIMITS, Limits
from .transcribe import check_options


def job_store(settings: Settings) -> JobStore:
    """The jobs of the configured account (endpoint + key), in the cache dir."""
    return JobStore(settings.cache_dir / "batches" / account_key(settings.base_url, settings.api_key))


async def submit_audio_batch(args: SubmitAudioBatchInput, ctx: RunContext) -> SubmitAudioBatchOutput:
    """Run submit_audio_batch with the Batch API's limits."""
    return await submit_with(args, ctx, BatchLimits())


async def submit_with(
    args: SubmitAudioBatchInput, ctx: RunContext, limits: BatchLimits, chunks: Limits = LIMITS
) -> SubmitAudioBatchOutput:
    """Plan, upload and submit (see the module docstring); with ``plan_only``, plan alone (no key needed).
    ``limits`` bound each batch, ``chunks`` each request (as for interactive calls).

    Raises:
        InvalidArgumentError: bad options, a glob matching nothing, or no file that can be submitted.
        GeminiAudioError: uploading or creating a batch failed (submitting again resumes).
    """
    settings = ctx.settings
    check_batch_options(args)
    model = choose_model(args.model, settings, "transcribe" if args.operation == "transcribe" else "general")
    sample = operation_input(args, "-")
    if isinstance(sample, TranscribeAudioInput):
        check_options(sample, model)
    out_dir = checked_out_dir(args.out_dir, settings)
    inputs = expand_inputs(args.audio, settings)
    store = job_store(settings)
    job_id = _job_id(store, args, model, inputs)
    existing = store.job(job_id)
    backend = None if args.plan_only else Backend.from_settings(settings)
    if backend is not None and existing is not None and all(p.batch for p in store.parts(job_id)):
        if out_dir is not None:
            store.set_out_dir(job_id, str(out_dir))
        return await _resumed(backend, store, existing, out_dir)
    uploader = _Uploader(backend, store, ctx, limits) if backend is not None else None
    gate = asyncio.Semaphore(max(1, settings.max_concurrency))
    names = output_names(inputs)

    async def one(index: int, given: str) -> PlannedFile:
        async with gate:
            upload = uploader.upload if uploader is not None else None
            op_input = operation_input(args, given)
            return await plan_file(index, given, names[index], op_input, model, ctx, upload, chunks)

    planned = list(await asyncio.gather(*(one(i, given) for i, given in enumerate(inputs))))
    failures = [BatchFailure(file=p.record.source, error=p.record.error) for p in planned if p.record.error]
    ready = [p for p in planned if p.record.error is None]
    if not ready:
        shown = "; ".join(f"{f.file}: {f.error}" for f in failures[:5])
        raise InvalidArgumentError(f"None of the {len(planned)} file(s) can be submitted: {shown}")
    lines = {key: line for p in ready for key, line in p.lines.items()}
    keys = list(dict.fromkeys(r.key for p in ready for r in p.requests))
    tokens_in = sum(p.input_tokens for p in _distinct(ready))
    tokens_out = sum(p.output_tokens for p in _distinct(ready))
    summary = SubmitAudioBatchOutput(
        job=job_id,
        state="PLANNED",
        files=len(planned),
        requests=len(keys),
        batches=len(split_parts([(k, lines.get(k, {})) for k in keys], limits)),
        uploads=uploader.fresh if uploader is not None else 0,
        estimated_tokens=tokens_in + tokens_out,
        estimated_price_usd=batch_price_usd(model.id, tokens_in, tokens_out),
        model=model.id,
        out_dir=str(out_dir) if out_dir else None,
        failures=failures,
    )
    if summary.estimated_price_usd is None:
        summary.notes.append(
            f"No list price is known here for {model.id}: the estimate is in tokens (a batch bills half the "
            "interactive price)."
        )
    if backend is None:
        return summary
    parts = await _write_parts(backend, store, job_id, [(k, lines[k]) for k in keys], limits, ctx)
    record = JobRecord(
        job_id,
        _now(),
        args.operation,
        job_options(args),
        model.id,
        str(out_dir) if out_dir else None,
        summary.model_dump(include={"files", "requests", "estimated_tokens", "estimated_price_usd"}),
    )
    store.save_plan(record, [p.record for p in planned], [r for p in ready for r in p.requests], parts)
    for part in store.parts(job_id):
        await ensure_batch(backend, store, job_id, part, model.id)
    states = await part_states(backend, store, record)
    return summary.model_copy(
        update={"state": job_state(list(states.values()), False), "batches": len(parts)}
    )


class _Uploader:
    """Uploads each upload key once per run (duplicates wait for the first), counting fresh uploads."""

    def __init__(self, backend: Backend, store: JobStore, ctx: RunContext, limits: BatchLimits) -> None:
        self.backend, self.store, self.ctx, self.limits = backend, store, ctx, limits
        self.started: dict[str, asyncio.Future[Upload]] = {}
        self.fresh = 0

    async def upload(self, key: str, wire: WireAudio) -> Upload:
        future = self.started.get(key)
        if future is None:
            future = self.started[key] = asyncio.ensure_future(self._upload(wire))
        return await asyncio.shield(future)

    async def _upload(self, wire: WireAudio) -> Upload:
        done = await tracked_upload(self.backend, self.store, wire, self.ctx, min_life=self.limits.file_life)
        self.fresh += 0 if done.reused else 1
        return done


async def _write_parts(
    backend: Backend,
    store: JobStore,
    job: str,
    lines: list[tuple[str, dict[str, object]]],
    limits: BatchLimits,
    ctx: RunContext,
) -> list[PartRecord]:
    split = split_parts(lines, limits)
    folder = store.job_folder(job)
    parts = []
    for number, part in enumerate(split, start=1):
        path = await asyncio.to_thread(write_part, folder / f"part-{number}.jsonl", part)
        wire = WireAudio(path, "jsonl", display_name=f"{job} part {number}.jsonl")
        upload = await tracked_upload(backend, store, wire, ctx, min_life=limits.file_life)
        name = f"gemini-audio-tools {job} part {number}/{len(split)}"
        parts.append(PartRecord(number, name, [key for key, _ in part], upload.file.name))
    return parts


async def _resumed(
    backend: Backend, store: JobStore, job: JobRecord, out_dir: Path | None
) -> SubmitAudioBatchOutput:
    states = await part_states(backend, store, job)
    plan = job.plan
    files = store.files(job.id)
    return SubmitAudioBatchOutput(
        job=job.id,
        state=job_state(list(states.values()), job.cancelled),
        files=plan.get("files", len(files)),
        requests=plan.get("requests", 0),
        batches=len(states),
        uploads=0,
        estimated_tokens=plan.get("estimated_tokens", 0),
        estimated_price_usd=plan.get("estimated_price_usd"),
        model=job.model,
        out_dir=str(out_dir) if out_dir else job.out_dir,
        failures=[BatchFailure(file=f.source, error=f.error) for f in files if f.facts is None and f.error],
        notes=["This job was submitted before; nothing was uploaded or created again."],
    )


def _distinct(planned: list[PlannedFile]) -> list[PlannedFile]:
    """One file per distinct set of requests (duplicates are billed once)."""
    seen: set[tuple[str, ...]] = set()
    kept = []
    for p in planned:
        keys = tuple(r.key for r in p.requests)
        if keys not in seen:
            seen.add(keys)
            kept.append(p)
    return kept


def base_job_id(args: SubmitAudioBatchInput, model: str, inputs: list[str]) -> str:
    """The id of the job that ``inputs`` (the files a submission names, globs expanded) and ``args``' options
    make on ``model``: the same submission always names the same job."""
    named = [redact_url(i) if is_url(i) else str(Path(i).expanduser().resolve()) for i in inputs]
    identity = json.dumps([job_options(args), model, named], sort_keys=True)
    return "job-" + hashlib.sha256(identity.encode()).hexdigest()[:12]


def _job_id(store: JobStore, args: SubmitAudioBatchInput, model: ModelChoice, inputs: list[str]) -> str:
    """The job these inputs and options make (a cancelled one is not reused: the next free number is)."""
    base = base_job_id(args, model.id, inputs)
    job_id, n = base, 1
    while (found := store.job(job_id)) is not None and found.cancelled:
        n += 1
        job_id = f"{base}-{n}"
    return job_id


def output_names(inputs: list[str]) -> list[str]:
    """Each file's output name: its stem, numbered when two files share one ("talk", "talk-2")."""
    names: list[str] = []
    used: set[str] = set()
    for given in inputs:
        stem = Path(given.split("?", 1)[0].rstrip("/")).stem or "audio"
        name, n = stem, 1
        while name.lower() in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name.lower())
        names.append(name)
    return names


def checked_out_dir(out_dir: str | None, settings: Settings) -> Path | None:
    """``out_dir`` resolved, provided it lies inside an allowed directory (tools write nowhere else).

    Raises:
        PathNotAllowedError: it lies outside every allowed directory.
    """
    if out_dir is None:
        return None
    path = Path(out_dir).expanduser().resolve()
    roots = [Path(root).expanduser().resolve() for root in settings.allowed_dirs]
    if not any(path == root or path.is_relative_to(root) for root in roots):
        raise PathNotAllowedError(
            f"out_dir {out_dir!r} is outside the allowed directories; choose a folder inside one of them "
            "(or omit out_dir: outputs then go to the job's folder in the cache dir)."
        )
    return path


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _job(store: JobStore, job: str) -> JobRecord:
    found = store.job(job.strip())
    if found is None:
        raise BatchNotFoundError(
            f"No batch job {job!r} for this API key and endpoint. `gemini-audio batch list` shows the jobs; "
            "a job id looks like 'job-0123456789ab'."
        )
    return found


async def get_audio_batch(args: GetAudioBatchInput, ctx: RunContext) -> GetAudioBatchOutput:
    """The job's state; outputs of files whose replies are in are written (to ``out_dir``, else the job's
    out_dir, else its folder in the cache dir).

    Raises:
        BatchNotFoundError: no such job.
        PathNotAllowedError: ``out_dir`` outside the allowed directories.
        GeminiAudioError: the API failed, after retries.
    """
    store = job_store(ctx.settings)
    job = _job(store, args.job)
    out = checked_out_dir(args.out_dir, ctx.settings)
    out_dir = out or (Path(job.out_dir) if job.out_dir else store.job_folder(job.id) / "out")
    return await collect(Backend.from_settings(ctx.settings), store, job, ctx, out_dir)


async def cancel_audio_batch(args: CancelAudioBatchInput, ctx: RunContext) -> CancelAudioBatchOutput:
    """Cancel every batch of the job still pending or running; a finished job is left as it is.

    Raises:
        BatchNotFoundError: no such job.
        GeminiAudioError: the API failed, after retries.
    """
    store = job_store(ctx.settings)
    job = _job(store, args.job)
    backend = Backend.from_settings(ctx.settings)
    cancelled = 0
    for part in store.parts(job.id):
        if part.batch is None or part.results is not None:
            continue
        try:
            if remote_state(await get_batch(backend, part.batch)) in ACTIVE:
                await cancel_batch(backend, part.batch)
                cancelled += 1
        except BatchNotFoundError:
            continue  # deleted: nothing left to cancel
    states = await part_states(backend, store, job)
    notes = []
    if cancelled or "SUBMITTING" in states.values():
        store.mark_cancelled(job.id)
        job = _job(store, job.id)
    else:
        notes.append(f"Nothing to cancel: the job already ended ({job_state(list(states.values()), False)}).")
    return CancelAudioBatchOutput(
        job=job.id, state=job_state(list(states.values()), job.cancelled), notes=notes
    )


def list_jobs(settings: Settings) -> list[JobRecord]:
    """Every job of the configured account, newest first (from the store; nothing is asked of the API)."""
    return job_store(settings).jobs()


async def wait_for_job(
    job: str, ctx: RunContext, *, poll_seconds: float = 1.0, max_poll_seconds: float = 30.0
) -> GetAudioBatchOutput:
    """Collect ``job`` until it has ended, reporting its state as progress; returns the last collection.

    Raises:
        BatchNotFoundError: no such job.
        GeminiAudioError: the API failed, after retries.
    """
    interval = poll_seconds
    while True:
        result = await get_audio_batch(GetAudioBatchInput(job=job), ctx)
        total = result.done + result.failed + result.pending
        detail = f"{result.state}: {result.done + result.failed} of {total} file(s) finished"
        await ctx.report(
            ProgressEvent("chunks", result.done + result.failed, total, "chunks", subject=job, detail=detail)
        )
        if result.state not in ("PENDING", "RUNNING"):
            return result
        await asyncio.sleep(interval)
        interval = min(interval * 1.5, max_poll_seconds)
