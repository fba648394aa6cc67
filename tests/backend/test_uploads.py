from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import shutil
from pathlib import Path

import pytest

from gemini_audio_tools.backend.client import Backend
from gemini_audio_tools.backend.uploads import WireAudio, _hex_sha256, to_audio_file, upload_file
from gemini_audio_tools.config import Settings
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import InvalidArgumentError, OperationTimeoutError, RemoteFileFailedError
from tests.fixtures.audio import MakeAudio
from tests.fixtures.backend import ProgressLog


@pytest.fixture
def wav(make_audio: MakeAudio, tmp_path: Path) -> Path:
    target = tmp_path / "tone.wav"
    shutil.copy(make_audio("wav", 2.0), target)
    return target


async def remote_names(backend: Backend) -> list[str]:
    return [f.name or "" async for f in await backend.client.aio.files.list()]


async def test_an_upload_becomes_active_and_is_cached(
    wav: Path, run_ctx: RunContext, progress_log: ProgressLog
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    upload = await upload_file(backend, WireAudio(wav, "audio/wav", duration_seconds=2.0), run_ctx)
    out = to_audio_file(upload.file, sha256=upload.sha256, duration_seconds=2.0)
    assert out.state == "ACTIVE" and not upload.reused
    assert out.size_bytes == wav.stat().st_size
    assert backend.cache.get(upload.sha256) is not None
    messages = [message or "" for _, _, message in progress_log.calls]
    assert any(m.startswith("uploading tone.wav: ") and m.endswith("(100%)") for m in messages)
    assert messages[-1].endswith(f"ready as {upload.file.name}")


async def test_a_second_upload_of_the_same_bytes_sends_nothing(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    first = await upload_file(backend, WireAudio(wav, "audio/wav"), run_ctx)
    stats = emulator.state.faults.stats
    sent = stats.bytes_received["upload.chunk"]
    starts = stats.requests["upload.start"]
    copy = wav.with_name("same-bytes.wav")
    shutil.copy(wav, copy)
    second = await upload_file(backend, WireAudio(copy, "audio/wav"), run_ctx)
    assert second.reused and second.file.name == first.file.name
    assert stats.bytes_received["upload.chunk"] == sent
    assert stats.requests["upload.start"] == starts


async def test_an_expired_cache_entry_is_uploaded_again(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    first = await upload_file(backend, WireAudio(wav, "audio/wav"), run_ctx)
    emulator.state.clock.advance(48 * 3600 + 60)
    second = await upload_file(backend, WireAudio(wav, "audio/wav"), run_ctx)
    assert not second.reused and second.file.name != first.file.name
    assert second.file.state is not None and second.file.state.value == "ACTIVE"


async def test_a_remote_file_deleted_behind_the_cache_is_uploaded_again(
    wav: Path, run_ctx: RunContext
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    first = await upload_file(backend, WireAudio(wav, "audio/wav"), run_ctx)
    await backend.client.aio.files.delete(name=first.file.name or "")
    second = await upload_file(backend, WireAudio(wav, "audio/wav"), run_ctx)
    assert not second.reused and second.file.name != first.file.name
    assert backend.cache.get(second.sha256) is not None


async def test_a_failed_file_raises_and_is_deleted(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.faults.fail_uploads(1, "Unsupported audio encoding.")
    with pytest.raises(RemoteFileFailedError, match="Unsupported audio encoding"):
        await upload_file(backend, WireAudio(wav, "audio/wav"), run_ctx)
    assert await remote_names(backend) == []
    assert list(backend.cache.entries()) == []


async def test_a_file_stuck_in_processing_times_out_and_is_deleted(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    ctx = RunContext(settings=run_ctx.settings.with_(file_active_timeout_seconds=0.3))
    backend = Backend.from_settings(ctx.settings)
    emulator.state.faults.slow_processing(None, fail_message=None)
    with pytest.raises(OperationTimeoutError, match="still PROCESSING"):
        await upload_file(backend, WireAudio(wav, "audio/wav"), ctx)
    assert await remote_names(backend) == []


async def test_a_connection_dropped_mid_upload_is_retried_without_leftovers(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.faults.drop_connection("upload.chunk", after_bytes=100)
    upload = await upload_file(backend, WireAudio(wav, "audio/wav"), run_ctx)
    assert await remote_names(backend) == [upload.file.name]
    assert emulator.state.faults.stats.requests["upload.start"] == 2


async def test_server_errors_when_starting_an_upload_are_retried(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    emulator.state.faults.error(503, operation="upload.start", times=2)
    upload = await upload_file(backend, WireAudio(wav, "audio/wav"), run_ctx)
    assert upload.file.state is not None and upload.file.state.value == "ACTIVE"
    assert emulator.state.faults.stats.requests["upload.start"] == 3


async def test_two_concurrent_uploads_of_the_same_bytes_upload_once(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    first, second = await asyncio.gather(
        upload_file(Backend.from_settings(run_ctx.settings), WireAudio(wav, "audio/wav"), run_ctx),
        upload_file(Backend.from_settings(run_ctx.settings), WireAudio(wav, "audio/wav"), run_ctx),
    )
    assert first.file.name == second.file.name
    assert sorted([first.reused, second.reused]) == [False, True]
    assert emulator.state.faults.stats.requests["upload.start"] == 1


def _upload_in_another_process(settings: Settings, path: str) -> str:
    async def upload() -> str:
        backend = Backend.from_settings(settings)
        ctx = RunContext(settings=settings)
        done = await upload_file(backend, WireAudio(Path(path), "audio/wav"), ctx)
        return done.file.name or ""

    return asyncio.run(upload())


def test_two_processes_uploading_the_same_bytes_share_one_upload(
    wav: Path, emulator_settings: Settings, emulator: EmulatorServer
) -> None:
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        names = list(pool.map(_upload_in_another_process, [emulator_settings] * 2, [str(wav)] * 2))
    assert names[0] == names[1]
    assert emulator.state.faults.stats.requests["upload.start"] == 1


def test_the_api_sha256_hash_is_read_as_hex_whether_it_encodes_the_hex_text_or_the_raw_digest() -> None:
    import base64
    import hashlib

    digest = hashlib.sha256(b"audio").digest()
    of_hex_text = base64.b64encode(digest.hex().encode("ascii")).decode("ascii")
    of_raw = base64.b64encode(digest).decode("ascii")
    assert _hex_sha256(of_hex_text) == digest.hex()
    assert _hex_sha256(of_raw) == digest.hex()
    assert _hex_sha256("not base64 at all!") is None


async def test_a_listed_file_reports_the_sha256_of_its_bytes(wav: Path, run_ctx: RunContext) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    upload = await upload_file(backend, WireAudio(wav, "audio/wav"), run_ctx)
    [listed] = [f async for f in await backend.client.aio.files.list()]
    assert to_audio_file(listed).sha256 == upload.sha256


async def test_an_upload_whose_answer_never_came_adopts_the_file_the_server_finished(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    # the single upload request is answered after the client gave up; the server still finalizes it
    settings = run_ctx.settings.with_(request_timeout_seconds=0.3, upload_adopt_grace_seconds=3.0)
    emulator.state.faults.latency(1.0, operation="upload.chunk", times=1)
    backend = Backend.from_settings(settings)
    upload = await upload_file(backend, WireAudio(wav, "audio/wav"), RunContext(settings=settings))
    assert upload.file.name in await remote_names(backend)
    assert len(await remote_names(backend)) == 1
    assert emulator.state.faults.stats.requests["upload.start"] == 1


async def test_a_file_with_a_non_ascii_name_uploads(wav: Path, run_ctx: RunContext) -> None:
    named = wav.with_name("réunion d'équipe 📼.wav")
    wav.rename(named)
    backend = Backend.from_settings(run_ctx.settings)
    upload = await upload_file(backend, WireAudio(named, "audio/wav", display_name=named.name), run_ctx)
    assert upload.file.display_name == named.name
    assert await remote_names(backend) == [upload.file.name]


async def test_a_file_over_two_gib_is_refused_before_it_is_read_or_sent(
    tmp_path: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    huge = tmp_path / "huge.flac"
    with huge.open("wb") as handle:
        handle.truncate(2 * 1024**3 + 1)  # sparse: nothing to read if the size check comes first
    backend = Backend.from_settings(run_ctx.settings)
    with pytest.raises(InvalidArgumentError, match=r"at most 2 GiB per file\. Pass start and end"):
        await upload_file(backend, WireAudio(huge, "audio/flac"), run_ctx)
    assert emulator.state.faults.stats.requests["upload.start"] == 0
