"""What a killed submitter left behind is found, not made again; a file about to expire is uploaded again.

Against the emulator through the real SDK. A kill is reproduced by doing what the killed process did
(recording the intent, then uploading or creating through the API without recording the outcome).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from google.genai import types

from gemini_audio_tools.backend.batches import create_batch
from gemini_audio_tools.backend.cache import utc_now
from gemini_audio_tools.backend.client import Backend
from gemini_audio_tools.backend.uploads import WireAudio
from gemini_audio_tools.batch.remote import ensure_batch, tracked_upload
from gemini_audio_tools.batch.store import JobRecord, JobStore, PartRecord
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.hashing import sha256_file
from tests.fixtures.audio import MakeAudio

LIFE = dt.timedelta(hours=25)


def _wire(path: Path) -> WireAudio:
    return WireAudio(path, "audio/wav", duration_seconds=1.0, display_name=path.name, origin=path)


async def test_an_upload_a_killed_run_finished_but_never_recorded_is_adopted(
    run_ctx: RunContext, emulator: EmulatorServer, make_audio: MakeAudio, tmp_path: Path
) -> None:
    backend, store = Backend.from_settings(run_ctx.settings), JobStore(tmp_path / "jobs")
    audio = make_audio("wav", 1.0)
    sha = sha256_file(audio)
    store.begin_upload(sha, sha, utc_now().isoformat())
    await backend.client.aio.files.upload(file=audio, config=types.UploadFileConfig(mime_type="audio/wav"))

    upload = await tracked_upload(backend, store, _wire(audio), run_ctx, min_life=LIFE)

    assert upload.reused
    assert len(emulator.state.store.all()) == 1
    assert store.upload_intent(sha) is None


async def test_without_an_intent_nothing_is_adopted(
    run_ctx: RunContext, emulator: EmulatorServer, make_audio: MakeAudio, tmp_path: Path
) -> None:
    backend, store = Backend.from_settings(run_ctx.settings), JobStore(tmp_path / "jobs")
    audio = make_audio("wav", 1.0)
    await backend.client.aio.files.upload(file=audio, config=types.UploadFileConfig(mime_type="audio/wav"))

    upload = await tracked_upload(backend, store, _wire(audio), run_ctx, min_life=LIFE)

    assert not upload.reused and len(emulator.state.store.all()) == 2


async def test_a_file_that_would_expire_before_the_batch_runs_is_uploaded_again(
    run_ctx: RunContext, emulator: EmulatorServer, make_audio: MakeAudio, tmp_path: Path
) -> None:
    backend, store = Backend.from_settings(run_ctx.settings), JobStore(tmp_path / "jobs")
    audio = make_audio("wav", 1.0)
    emulator.state.clock.set(utc_now() - dt.timedelta(hours=30))  # uploaded 30 h ago: 18 h left
    first = await tracked_upload(backend, store, _wire(audio), run_ctx, min_life=dt.timedelta(hours=1))
    again = await tracked_upload(backend, store, _wire(audio), run_ctx, min_life=dt.timedelta(hours=1))
    assert again.reused and again.file.name == first.file.name
    emulator.state.clock.reset()

    later = await tracked_upload(backend, store, _wire(audio), run_ctx, min_life=LIFE)

    assert not later.reused and later.file.name != first.file.name


async def _jsonl(backend: Backend, tmp_path: Path) -> str:
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"key": "a", "request": {"contents": [{"parts": [{"text": "hi"}]}]}}\n', encoding="utf-8"
    )
    file = await backend.client.aio.files.upload(file=path, config=types.UploadFileConfig(mime_type="jsonl"))
    return file.name or ""


def _store_with_part(tmp_path: Path, input_file: str) -> JobStore:
    store = JobStore(tmp_path / "jobs")
    job = JobRecord("job-x", "2026-12-02", "describe", {}, "gemini-3.8-flash", None, {})
    store.save_plan(job, [], [], [PartRecord(1, "gemini-audio-tools job-x part 1/1", ["a"], input_file)])
    return store


async def test_a_batch_a_killed_run_created_is_found_by_its_display_name(
    run_ctx: RunContext, emulator: EmulatorServer, tmp_path: Path
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    store = _store_with_part(tmp_path, await _jsonl(backend, tmp_path))
    store.update_part("job-x", 1, intent_at=utc_now().isoformat())
    made = await create_batch(
        backend,
        store.parts("job-x")[0].input_file or "",
        model="gemini-3.8-flash",
        display_name="gemini-audio-tools job-x part 1/1",
    )

    name = await ensure_batch(backend, store, "job-x", store.parts("job-x")[0], "gemini-3.8-flash")

    assert name == made.name
    assert emulator.state.faults.stats.requests["batches.create"] == 1
    assert store.parts("job-x")[0].batch == made.name


async def test_a_batch_is_created_once_and_then_read_from_the_store(
    run_ctx: RunContext, emulator: EmulatorServer, tmp_path: Path
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    store = _store_with_part(tmp_path, await _jsonl(backend, tmp_path))
    first = await ensure_batch(backend, store, "job-x", store.parts("job-x")[0], "gemini-3.8-flash")
    second = await ensure_batch(backend, store, "job-x", store.parts("job-x")[0], "gemini-3.8-flash")
    assert first == second and first.startswith("batches/")
    assert emulator.state.faults.stats.requests["batches.create"] == 1
