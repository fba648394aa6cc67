"""The library's Batch API wrappers against the emulator, through the real SDK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.genai import types

from gemini_audio_tools.backend.batches import (
    cancel_batch,
    create_batch,
    delete_batch,
    download_results,
    download_results_to,
    get_batch,
    list_batches,
)
from gemini_audio_tools.backend.client import Backend
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import BatchNotFoundError, InvalidArgumentError, ServiceUnavailableError
from tests.fixtures.audio import MakeAudio

MODEL = "gemini-3.8-flash"

S = types.JobState


async def _jsonl_file(backend: Backend, tmp_path: Path, uri: str, keys: list[str]) -> str:
    lines = [
        json.dumps(
            {
                "key": key,
                "request": {"contents": [{"parts": [{"text": key}, {"fileData": {"fileUri": uri}}]}]},
            }
        )
        for key in keys
    ]
    path = tmp_path / "requests.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    file = await backend.client.aio.files.upload(file=path, config=types.UploadFileConfig(mime_type="jsonl"))
    return file.name or ""


async def test_a_file_batch_runs_and_its_results_download_to_memory_and_to_disk(
    run_ctx: RunContext, emulator: EmulatorServer, make_audio: MakeAudio, tmp_path: Path
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.settings.batch_pending_seconds = 30
    audio = await backend.client.aio.files.upload(file=make_audio("wav", 2.0))
    source = await _jsonl_file(backend, tmp_path, audio.uri or "", ["a", "b"])

    job = await create_batch(backend, source, display_name="tones", model=MODEL)
    assert job.state == S.JOB_STATE_PENDING and job.display_name == "tones"
    assert (await get_batch(backend, job.name or "")).state == S.JOB_STATE_PENDING
    emulator.state.clock.advance(31)
    done = await get_batch(backend, job.name or "")

    assert done.state == S.JOB_STATE_SUCCEEDED and done.dest and done.dest.file_name
    data = await download_results(backend, done.dest.file_name)
    assert [json.loads(line)["key"] for line in data.splitlines()] == ["a", "b"]
    target = tmp_path / "out" / "results.jsonl"
    target.parent.mkdir()
    assert await download_results_to(backend, done.dest.file_name, target) == target
    assert target.read_bytes() == data
    assert [p.name for p in target.parent.iterdir()] == ["results.jsonl"]  # no partial file left


async def test_an_inline_batch_uses_the_configured_model_unless_told(run_ctx: RunContext) -> None:
    backend = Backend.from_settings(run_ctx.settings)

    job = await create_batch(
        backend, [types.InlinedRequest(contents="Hi.", metadata={"key": "k"})], model=MODEL
    )
    other = await create_batch(
        backend, [types.InlinedRequest(contents="Hi.")], model="gemini-3.1-pro-preview", display_name="pro"
    )

    assert job.model == f"models/{MODEL}" and other.model == "models/gemini-3.1-pro-preview"
    done = await get_batch(backend, job.name or "")
    assert (
        done.dest and done.dest.inlined_responses and done.dest.inlined_responses[0].metadata == {"key": "k"}
    )
    page, token = await list_batches(backend, page_size=1)
    assert [b.name for b in page] == [other.name] and token
    rest, end = await list_batches(backend, page_size=5, page_token=token)
    assert [b.name for b in rest] == [job.name] and end is None


async def test_cancel_and_delete_and_what_an_unknown_name_raises(
    run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.settings.batch_pending_seconds = 600
    job = await create_batch(backend, [types.InlinedRequest(contents="Hi.")], model=MODEL)

    await cancel_batch(backend, job.name or "")
    assert (await get_batch(backend, job.name or "")).state == S.JOB_STATE_CANCELLED
    with pytest.raises(InvalidArgumentError, match="CANCELLED"):
        await cancel_batch(backend, job.name or "")
    await delete_batch(backend, job.name or "")

    with pytest.raises(BatchNotFoundError, match="list_batches"):
        await get_batch(backend, job.name or "")
    with pytest.raises(BatchNotFoundError):
        await delete_batch(backend, job.name or "")


async def test_a_transient_refusal_of_create_is_retried(
    run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.faults.error(503, operation="batches.create", times=2)

    job = await create_batch(backend, [types.InlinedRequest(contents="Hi.")], model=MODEL)

    assert job.name
    assert emulator.state.faults.stats.requests["batches.create"] == 3
    assert len(emulator.state.batches.all()) == 1


async def test_a_create_whose_answer_is_lost_is_not_sent_again(
    run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.faults.drop_connection("batches.create", after_bytes=0)

    with pytest.raises(ServiceUnavailableError, match="list_batches before submitting"):
        await create_batch(backend, [types.InlinedRequest(contents="Hi.")], model=MODEL)

    assert emulator.state.faults.stats.requests["batches.create"] == 1


async def test_get_is_retried_through_a_rate_limit(run_ctx: RunContext, emulator: EmulatorServer) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    job = await create_batch(backend, [types.InlinedRequest(contents="Hi.")], model=MODEL)
    emulator.state.faults.error(429, operation="batches.get", times=1, retry_after=0)

    assert (await get_batch(backend, job.name or "")).state == S.JOB_STATE_SUCCEEDED
    assert emulator.state.faults.stats.statuses["batches.get"] == {429: 1, 200: 1}
