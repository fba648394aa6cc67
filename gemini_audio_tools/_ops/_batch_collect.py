"""Following a submitted job: the state of its batches, their results downloaded once, and every file's
output written (or its failure recorded) as soon as all its replies are in.

A job's state is its batches' together: SUBMITTING while a part has no batch yet (a submission was
interrupted: submitting again finishes it), PENDING / RUNNING while any runs, SUCCEEDED when all did,
PARTIAL when some did, else how they ended (FAILED, CANCELLED, EXPIRED). Outputs already written are not
made again (a long description's combining request is not paid twice).
"""

from __future__ import annotations

from pathlib import Path

from google.genai import types

from ..backend.batches import download_results_to, get_batch
from ..backend.client import Backend
from ..backend.model_choice import choose_model
from ..batch.jsonl import Reply, read_replies
from ..batch.schemas import BatchFileResult, GetAudioBatchOutput, JobState, SubmitAudioBatchInput
from ..batch.store import JobRecord, JobStore, PartRecord, RequestRecord
from ..context import RunContext
from ..errors import BatchNotFoundError, GeminiAudioError
from ._batch_inputs import operation_input
from ._batch_results import file_output, write_output

ACTIVE = ("PENDING", "RUNNING")
INLINE_TEXT_CHARS = 16_000
"""Outputs are returned inline (besides being written) while all of them together stay this short."""


def remote_state(job: types.BatchJob) -> str:
    """The SDK's ``JOB_STATE_*`` (or the API's ``BATCH_STATE_*``) as PENDING, RUNNING, SUCCEEDED, FAILED,
    CANCELLED or EXPIRED."""
    raw = job.state.value if job.state is not None else "JOB_STATE_PENDING"
    name = raw.removeprefix("JOB_STATE_").removeprefix("BATCH_STATE_")
    if name in ("QUEUED", "PENDING", "UNSPECIFIED"):
        return "PENDING"
    if name in ("SUCCEEDED", "PARTIALLY_SUCCEEDED"):
        return "SUCCEEDED"
    return name if name in ("FAILED", "CANCELLED", "EXPIRED") else "RUNNING"


def job_state(states: list[str], cancelled: bool) -> JobState:
    """The job's state from its parts' (see the module docstring)."""
    if "SUBMITTING" in states:
        return "CANCELLED" if cancelled else "SUBMITTING"
    if "RUNNING" in states:
        return "RUNNING"
    if "PENDING" in states:
        return "PENDING"
    if states and all(s == "SUCCEEDED" for s in states):
        return "SUCCEEDED"
    if "SUCCEEDED" in states:
        return "PARTIAL"
    ended = set(states)
    if len(ended) == 1:
        (only,) = ended
        return only  # type: ignore[return-value]
    return "FAILED"


async def part_states(backend: Backend, store: JobStore, job: JobRecord) -> dict[int, str]:
    """Each part's state; the results of a part that succeeded are downloaded (once) into the job folder,
    after which the part is not asked about again (a batch deleted since, or a results file expired, does
    not matter). A batch that no longer exists without its results having been fetched counts as FAILED.

    Raises:
        GeminiAudioError: the API failed, after retries.
    """
    states: dict[int, str] = {}
    for part in store.parts(job.id):
        if part.batch is None:
            states[part.number] = "SUBMITTING"
            continue
        if part.results is not None and Path(part.results).exists():
            states[part.number] = "SUCCEEDED"
            continue
        try:
            remote = await get_batch(backend, part.batch)
        except BatchNotFoundError:
            states[part.number] = "FAILED"
            continue
        state = states[part.number] = remote_state(remote)
        if state == "SUCCEEDED" and remote.dest is not None and remote.dest.file_name:
            target = store.job_folder(job.id) / f"part-{part.number}.results.jsonl"
            await download_results_to(backend, remote.dest.file_name, target)
            store.update_part(job.id, part.number, results=str(target))
    return states


def gather_replies(parts: list[PartRecord], states: dict[int, str]) -> dict[str, Reply]:
    """Every reply in; a request of a batch that ended without results fails with the batch's state."""
    replies: dict[str, Reply] = {}
    for part in parts:
        if part.results is not None and Path(part.results).exists():
            replies.update(read_replies(Path(part.results)))
    for part in parts:
        state = states.get(part.number, "SUBMITTING")
        if state in ("FAILED", "CANCELLED", "EXPIRED") or (state == "SUCCEEDED" and part.results):
            reason = f"its batch {part.batch} ended {state} without a reply for it"
            for key in part.keys:
                replies.setdefault(key, Reply(None, reason))
    return replies


async def collect(
    backend: Backend, store: JobStore, job: JobRecord, ctx: RunContext, out_dir: Path
) -> GetAudioBatchOutput:
    """The job's state and every file's result, writing the outputs that are ready to ``out_dir``.

    Raises:
        GeminiAudioError: the API failed, after retries.
    """
    states = await part_states(backend, store, job)
    parts = store.parts(job.id)
    replies = gather_replies(parts, states)
    by_file: dict[int, list[RequestRecord]] = {}
    for request in store.requests(job.id):
        by_file.setdefault(request.file_index, []).append(request)
    options = dict(job.options)
    fmt = options.get("format", "text")
    args = SubmitAudioBatchInput.model_validate({**options, "audio": ["-"]})
    model = choose_model(
        job.model, ctx.settings, "transcribe" if job.operation == "transcribe" else "general"
    )
    results: list[BatchFileResult] = []
    for record in store.files(job.id):
        if record.facts is None:
            results.append(BatchFileResult(file=record.source, status="failed", error=record.error))
            continue
        path = out_dir / f"{record.out_name}.{_ext(fmt)}"
        if record.written == str(path) and path.exists():
            results.append(BatchFileResult(file=record.source, status="done", output=str(path)))
            continue
        requests = by_file.get(record.index, [])
        if not requests or not all(r.key in replies for r in requests):
            results.append(BatchFileResult(file=record.source, status="pending"))
            continue
        try:
            output = await file_output(
                backend, record, requests, replies, operation_input(args, record.source), model
            )
        except GeminiAudioError as err:
            store.set_written(job.id, record.index, None, str(err))
            results.append(BatchFileResult(file=record.source, status="failed", error=str(err)))
            continue
        written = write_output(out_dir, record, output, fmt)
        store.set_written(job.id, record.index, str(written))
        notes = list(getattr(output, "notes", []))
        results.append(BatchFileResult(file=record.source, status="done", output=str(written), notes=notes))
    _inline_texts(results)
    state = job_state(list(states.values()), job.cancelled)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("done", "failed", "pending")}
    notes = []
    if state == "SUBMITTING":
        notes.append("The submission was interrupted before every batch was created: submit again to finish.")
    return GetAudioBatchOutput(
        job=job.id,
        state=state,
        operation=job.operation,
        out_dir=str(out_dir),
        files=results,
        notes=notes,
        **counts,
    )


def _ext(fmt: str) -> str:
    return {"text": "txt"}.get(fmt, fmt)


def _inline_texts(results: list[BatchFileResult]) -> None:
    """Attach the outputs themselves while they are short together."""
    paths = [Path(r.output) for r in results if r.status == "done" and r.output]
    try:
        total = sum(p.stat().st_size for p in paths)
    except OSError:
        return
    if total > INLINE_TEXT_CHARS:
        return
    for result in results:
        if result.status == "done" and result.output:
            result.text = Path(result.output).read_text(encoding="utf-8").rstrip("\n")
