"""The Batch API: ``POST /{v}/models/{model}:batchGenerateContent``, ``GET /{v}/batches``,
``GET``/``DELETE /{v}/batches/{id}``, ``POST /{v}/batches/{id}:cancel``, as google-genai's ``batches.py``
sends them for the Gemini Developer API.

Create body (SDK 3.6.1 ``_CreateBatchJobParameters_to_mldev``): ``{"batch": {"displayName",
"inputConfig": {"fileName": "files/…"} | {"requests": {"requests": [{"request": GenerateContentRequest,
"metadata": {…}}]}}}}``; the REST examples use snake_case, which is accepted too. Limits: the whole body
(inline requests) at most 20 MB, a JSONL input file at most 2 GB (the batch guide). The answer is the
Operation of the new job, ``BATCH_STATE_PENDING``; list answers ``{"operations": [...], "nextPageToken"}``;
cancel and delete answer ``{}``.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import catalog
from .batch_jobs import BatchJob
from .batch_runner import run_batch
from .errors import ApiError, file_not_active, invalid_argument, model_not_found
from .json_values import pick, read_json_object
from .models_api import ModelsApi
from .paging import page_size_param
from .state import EmulatorState


class BatchesApi:
    def __init__(self, state: EmulatorState, models: ModelsApi) -> None:
        self.state = state
        self.models = models

    async def create(self, request: Request) -> Response:
        state, settings = self.state, self.state.settings
        model = request.path_params["model"]
        resolved = catalog.resolve(settings, model)
        if resolved is None:
            raise model_not_found(model, request.path_params["version"], "batchGenerateContent")
        body = await read_json_object(request, settings.max_batch_request_bytes)
        batch = body.get("batch")
        if not isinstance(batch, dict):
            raise invalid_argument("* BatchGenerateContentRequest.batch: batch is required.")
        config = pick(batch, "inputConfig", "input_config")
        file_name = pick(config, "fileName", "file_name") if isinstance(config, dict) else None
        requests = config.get("requests") if isinstance(config, dict) else None
        if (file_name is None) == (requests is None):
            raise invalid_argument(
                "batch.inputConfig must hold exactly one of fileName (an uploaded JSONL file) or requests."
            )
        limit = settings.max_concurrent_batches
        if limit is not None and state.batches.active_count() >= limit:
            raise ApiError(
                429,
                f"Too many batches pending or running ({limit}); wait for one to finish or cancel one.",
                "RESOURCE_EXHAUSTED",
            )
        batch_id = state.batches.new_id()
        folder = state.batches.root / batch_id
        folder.mkdir(parents=True)
        try:
            job = self._job(batch_id, folder, resolved.requested, batch)
            if file_name is not None:
                job.input_file, job.request_count = await self._take_file(str(file_name), job.input_path)
            else:
                job.inline_requests = _inline_requests(requests)
                job.request_count = len(job.inline_requests)
        except BaseException:
            await anyio.to_thread.run_sync(_remove, folder)
            raise
        state.batches.add(job)
        job.task = asyncio.get_running_loop().create_task(run_batch(job, state, self.models))
        return JSONResponse(job.to_json(job.create_time))  # just enqueued: PENDING, as the API answers

    def _job(self, batch_id: str, folder: Path, model: str, batch: dict[str, Any]) -> BatchJob:
        settings = self.state.settings
        now = self.state.clock.now()
        run_at = now + timedelta(seconds=settings.batch_pending_seconds)
        display_name = pick(batch, "displayName", "display_name")
        return BatchJob(
            id=batch_id,
            model=model,
            display_name=str(display_name) if display_name else None,
            request_count=0,
            create_time=now,
            run_at=run_at,
            done_after=run_at + timedelta(seconds=settings.batch_running_seconds),
            expire_at=now + timedelta(seconds=settings.batch_expiry_seconds),
            seq=0,
            folder=folder,
        )

    async def _take_file(self, file_name: str, target: Path) -> tuple[str, int]:
        """Check the JSONL input file and keep the job's own link to its bytes; returns its name and line
        count.

        Raises:
            ApiError: 403 unknown file, 400 not ACTIVE / audio / over 2 GB / not UTF-8 / no requests.
        """
        record = self.state.store.get(file_name)
        file_state = record.state(self.state.clock.now())
        if file_state != "ACTIVE":
            raise file_not_active(record.id, file_state)
        if record.mime_type.startswith("audio/"):
            raise invalid_argument(
                f"The batch input {record.name} is audio ({record.mime_type}); upload a JSONL file with one "
                '{"key": …, "request": GenerateContentRequest} per line, referring to the audio by file URI.'
            )
        limit = self.state.settings.max_batch_input_file_bytes
        if record.size_bytes > limit:
            raise invalid_argument(
                f"The batch input file {record.name} has {record.size_bytes} bytes; the limit is {limit} "
                "bytes."
            )
        await anyio.to_thread.run_sync(_link, record.path, target)
        count = await anyio.to_thread.run_sync(_count_lines, target, record.name)
        return record.name, count

    async def get(self, request: Request) -> Response:
        batches = self.state.batches
        job = await batches.settled(batches.get(request.path_params["batch_id"]))
        return JSONResponse(job.to_json(self.state.clock.now()))

    async def list(self, request: Request) -> Response:
        params = request.query_params
        size = page_size_param(params.get("pageSize") or params.get("page_size"))
        batches = self.state.batches
        jobs, token = batches.page(size, params.get("pageToken") or params.get("page_token"))
        for job in jobs:
            await batches.settled(job)
        now = self.state.clock.now()
        body: dict[str, object] = {}
        if jobs:
            body["operations"] = [job.to_json(now) for job in jobs]
        if token:
            body["nextPageToken"] = token
        return JSONResponse(body)

    async def cancel(self, request: Request) -> Response:
        self.state.batches.cancel(request.path_params["batch_id"])
        return JSONResponse({})

    async def delete(self, request: Request) -> Response:
        self.state.batches.delete(request.path_params["batch_id"])
        return JSONResponse({})


def _inline_requests(requests: object) -> list[dict[str, Any]]:
    """The inlined requests of a create body (``{"requests": [...]}``).

    Raises:
        ApiError: 400 when they are not a non-empty list of objects.
    """
    items = requests.get("requests") if isinstance(requests, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid_argument("batch.inputConfig.requests.requests must be a non-empty list of requests.")
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise invalid_argument(f"batch.inputConfig.requests.requests[{number - 1}] must be an object.")
    return items


def _link(source: Path, target: Path) -> None:
    try:
        target.hardlink_to(source)
    except OSError:  # a file system without hard links
        shutil.copyfile(source, target)


def _count_lines(path: Path, name: str) -> int:
    """Requests in a JSONL file (non-blank lines).

    Raises:
        ApiError: 400 when the file is not UTF-8 text or holds no request.
    """
    count = 0
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise invalid_argument(
                    f"The batch input file {name} is not UTF-8 text (line {number}); upload a JSONL file."
                ) from None
            if text.strip():
                count += 1
    if count == 0:
        raise invalid_argument(f"The batch input file {name} holds no requests.")
    return count


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
