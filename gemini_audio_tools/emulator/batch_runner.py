"""Answering the requests of a batch, in the background, through the same code as generateContent.

Each request goes through :meth:`ModelsApi.generate_body` (no HTTP), one after the other. A request the
API would refuse does not stop the batch: its line (or inlined response) carries a ``google.rpc.Status``
(``{"code": <gRPC code>, "message"}``) instead of a response, and counts as failed. Results are published
only when every request is answered and the job is still current (not cancelled, failed, deleted or wiped).

Output formats (the batch guide, and results downloaded from the real service):
- JSONL input: a GENERATED file ``files/batch-{id}``, one line per input line in input order,
  ``{"response": GenerateContentResponse, "key": "…"}`` or ``{"error": Status, "key": "…"}``;
- inline input: ``inlinedResponses`` in the same order, ``{"response" | "error", "metadata": {...}}``.

Every request is also counted under the operation name ``batches.request``, and a fault armed for that name
(``faults.error(503, operation="batches.request")``) turns the next request(s) into failed lines.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import anyio.to_thread

from ..hashing import sha256_file
from . import catalog
from .batch_jobs import BatchJob
from .catalog import Resolved
from .errors import ApiError, invalid_argument, model_not_found
from .models_api import ModelsApi
from .state import EmulatorState

REQUEST_OPERATION = "batches.request"
logger = logging.getLogger(__name__)

GRPC_CODES = {
    "CANCELLED": 1,
    "UNKNOWN": 2,
    "INVALID_ARGUMENT": 3,
    "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5,
    "ALREADY_EXISTS": 6,
    "PERMISSION_DENIED": 7,
    "RESOURCE_EXHAUSTED": 8,
    "FAILED_PRECONDITION": 9,
    "ABORTED": 10,
    "OUT_OF_RANGE": 11,
    "UNIMPLEMENTED": 12,
    "INTERNAL": 13,
    "UNAVAILABLE": 14,
    "DATA_LOSS": 15,
    "UNAUTHENTICATED": 16,
}


@dataclass
class _Item:
    """One request of the batch: its key or metadata, and the request body (or why it has none)."""

    request: dict[str, Any] | None
    key: str | None = None
    metadata: dict[str, Any] | None = None
    problem: ApiError | None = None


def rpc_status(err: ApiError) -> dict[str, object]:
    """``err`` as a ``google.rpc.Status``: gRPC code and message (no details: the SDK reads them as text)."""
    return {"code": GRPC_CODES.get(err.status, 2), "message": err.message}


async def run_batch(job: BatchJob, state: EmulatorState, models: ModelsApi) -> None:
    """Answer every request of ``job`` and publish the results; stops quietly when the job is stopped."""
    try:
        await _run(job, state, models)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a bug in the emulator: the batch fails as a whole, the server lives on
        logger.exception("Emulator error while running %s", job.name)
        message = f"Internal error in the Gemini emulator: {exc}"
        state.batches.publish(job, lambda: _fail(job, state, message))


def _fail(job: BatchJob, state: EmulatorState, message: str) -> None:
    job.failed_at, job.failure = state.clock.now(), message


async def _run(job: BatchJob, state: EmulatorState, models: ModelsApi) -> None:
    to_file = job.input_file is not None
    out_path = job.folder / "responses.jsonl"
    inlined: list[dict[str, Any]] = []
    try:
        with out_path.open("wb") as out:
            async for item in _items(job):
                entry = await _answer(item, job, state, models)
                if "error" in entry:
                    job.failed += 1
                else:
                    job.succeeded += 1
                if to_file:
                    line = dict(entry)
                    if item.key is not None:
                        line["key"] = item.key
                    out.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
                elif item.metadata is not None:
                    inlined.append({**entry, "metadata": item.metadata})
                else:
                    inlined.append(entry)
        state.batches.publish(job, lambda: _publish(job, state, out_path if to_file else None, inlined))
    finally:
        out_path.unlink(missing_ok=True)  # moved into the Files API when published


def _publish(
    job: BatchJob, state: EmulatorState, out_path: Path | None, inlined: list[dict[str, Any]]
) -> None:
    """Make the results visible, all at once (called under the batch store's lock)."""
    if out_path is not None:
        file_id = f"batch-{job.id}"
        data_path = state.store.root / file_id
        out_path.replace(data_path)
        state.store.add(
            file_id,
            display_name=file_id,
            mime_type="application/jsonl",
            size_bytes=data_path.stat().st_size,
            sha256_hex=sha256_file(data_path),
            path=data_path,
            audio=None,
            failure=None,
            source="GENERATED",
        )
        job.responses_file = f"files/{file_id}"
    else:
        job.inlined_responses = inlined
    job.finished_at = state.clock.now()


async def _answer(item: _Item, job: BatchJob, state: EmulatorState, models: ModelsApi) -> dict[str, Any]:
    faults = state.faults
    faults.count_request(REQUEST_OPERATION)
    try:
        if item.problem is not None:
            raise item.problem
        rule = faults.take(REQUEST_OPERATION)
        if rule is not None and rule.kind == "latency":
            await asyncio.sleep(rule.latency_seconds)
        elif rule is not None:
            raise rule.to_error()
        assert item.request is not None
        model = _model_of(item.request, job.model, state)
        response = await models.generate_body(model, item.request)
    except ApiError as err:
        faults.count_status(REQUEST_OPERATION, err.code)
        return {"error": rpc_status(err)}
    faults.count_status(REQUEST_OPERATION, 200)
    return {"response": response}


def _model_of(request: dict[str, Any], batch_model: str, state: EmulatorState) -> Resolved:
    """The model that answers a request: the one it names (``request.model``, as the SDK sets it for
    inlined requests), else the batch's.

    Raises:
        ApiError: 404 when that model is unknown or retired (also if retired since the batch was created),
            as generateContent answers.
    """
    named = request.get("model")
    model = named if isinstance(named, str) and named else batch_model
    resolved = catalog.resolve(state.settings, model)
    if resolved is None:
        raise model_not_found(model.strip().removeprefix("models/"), "v1beta", "generateContent")
    return resolved


async def _items(job: BatchJob) -> AsyncIterator[_Item]:
    if job.inline_requests is not None:
        for number, entry in enumerate(job.inline_requests, start=1):
            yield _inline_item(entry, number)
        return
    with job.input_path.open("rb") as fh:
        number = 0
        while True:
            raw = await _readline(fh)
            if not raw:
                return
            if not raw.strip():
                continue
            number += 1
            yield parse_line(raw, number)


async def _readline(fh: BinaryIO) -> bytes:
    return await anyio.to_thread.run_sync(fh.readline)


def _inline_item(entry: dict[str, Any], number: int) -> _Item:
    request = entry.get("request")
    metadata = entry.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else None
    if not isinstance(request, dict):
        problem = invalid_argument(f"Inlined request {number} has no 'request' object.")
        return _Item(None, metadata=metadata, problem=problem)
    return _Item(request, metadata=metadata)


def parse_line(raw: bytes, number: int) -> _Item:
    """One line of a JSONL input: ``{"key", "request"}``, or a bare GenerateContentRequest (the REST
    example in the batch guide). A line that is neither becomes a failed request, not a failed batch."""
    try:
        obj = json.loads(raw)
    except ValueError:
        return _Item(None, problem=invalid_argument(f"Line {number} of the input file is not valid JSON."))
    if not isinstance(obj, dict):
        return _Item(None, problem=invalid_argument(f"Line {number} of the input file is not a JSON object."))
    key = obj.get("key")
    key = None if key is None else str(key)
    if "request" in obj:
        request = obj["request"]
        if not isinstance(request, dict):
            problem = invalid_argument(f"Line {number}: 'request' must be a GenerateContentRequest object.")
            return _Item(None, key=key, problem=problem)
        return _Item(request, key=key)
    if "contents" in obj:
        return _Item(obj, key=key)
    problem = invalid_argument(
        f"Line {number} has neither a 'request' nor 'contents'; write {{\"key\": …, \"request\": {{…}}}}."
    )
    return _Item(None, key=key, problem=problem)
