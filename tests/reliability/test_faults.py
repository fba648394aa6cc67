"""Fault suite: every failure the emulator can inject, driven through the public operations.

Each scenario ends in a success or a clear library error, and then the disk and the remote project are
checked: no duplicate remote file, no cache entry that points at nothing (or at a file that is not ACTIVE),
and no temporary file left behind (the library's temp dir is redirected to an empty folder per test).
Timeouts and backoffs are shrunk in the settings so the whole suite runs in a few seconds.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from gemini_audio_tools.config import Settings
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import (
    GeminiAudioError,
    OperationTimeoutError,
    RateLimitedError,
    RemoteFileFailedError,
    ServiceUnavailableError,
)
from gemini_audio_tools.operations import call_operation
from tests.fixtures.audio import SpeechAudio
from tests.fixtures.emulator import TEST_API_KEY


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder the library's ``tempfile`` calls land in for this test."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def speech(speech_wav: SpeechAudio, tmp_path: Path) -> Path:
    target = tmp_path / "audio" / "speech.wav"
    target.parent.mkdir()
    shutil.copy(speech_wav.path, target)
    return target


@pytest.fixture
def settings(emulator: EmulatorServer, tmp_path: Path, temp_root: Path) -> Settings:
    return Settings(
        api_key=TEST_API_KEY,
        base_url=emulator.base_url,
        allowed_dirs=((tmp_path / "audio").resolve(),),
        cache_dir=tmp_path / "cache",
        request_timeout_seconds=30.0,  # generous: a loaded machine transcribes slowly
        file_active_timeout_seconds=3.0,
        max_retries=3,
        retry_base_delay_seconds=0.001,
        retry_max_delay_seconds=0.05,
        upload_adopt_grace_seconds=0.3,
    )


def remote_files(emulator: EmulatorServer) -> list[Any]:
    return emulator.state.store.all()


def cache_entries(settings: Settings) -> list[dict[str, Any]]:
    """Every entry file in the cache dir, parsed; fails on anything that is not an entry or a lock."""
    entries = []
    for path in sorted(settings.cache_dir.rglob("*")):
        if path.is_dir():
            continue
        assert not path.name.startswith(".tmp-"), f"temporary cache file left behind: {path}"
        if path.suffix == ".lock":
            assert path.stat().st_size == 0
            continue
        assert path.suffix == ".json", f"unexpected file in the cache: {path}"
        if "context-caches" in path.relative_to(settings.cache_dir).parts:
            continue  # describe/ask's records of asks and context caches, not upload entries
        entries.append(json.loads(path.read_text()))
    return entries


def assert_clean(emulator: EmulatorServer, settings: Settings, temp_root: Path, *, files: int) -> None:
    """``files`` ACTIVE remote files of distinct bytes; every cache entry names one of them; no temp files."""
    stored = remote_files(emulator)
    now = emulator.state.clock.now()
    assert len(stored) == files, [f.name for f in stored]
    assert all(f.state(now) == "ACTIVE" for f in stored)
    assert len({f.sha256_hex for f in stored}) == len(stored), "the same bytes were uploaded twice"
    names = {f.name for f in stored}
    for entry in cache_entries(settings):
        assert entry["name"] in names, f"stale cache entry for {entry['name']}"
    assert list(temp_root.iterdir()) == []


async def test_a_429_with_retry_after_is_waited_out_and_the_range_is_transcribed(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    emulator.state.faults.error(429, operation="models.generateContent", times=2, retry_after=0.02)
    out: Any = await call_operation(
        "transcribe_audio", {"audio": str(speech), "start": "0:01", "end": "0:05"}, settings=settings
    )
    assert out.text.strip() and out.range.method == "clip"
    assert dict(emulator.state.faults.stats.statuses["models.generateContent"]) == {429: 2, 200: 1}
    assert_clean(emulator, settings, temp_root, files=0)


async def test_a_429_on_upload_start_then_success_uploads_once(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    emulator.state.faults.error(429, operation="upload.start", times=1, retry_after=0.01)
    out: Any = await call_operation("upload_audio", {"audio": str(speech)}, settings=settings)
    assert out.state == "ACTIVE"
    assert_clean(emulator, settings, temp_root, files=1)
    assert [e["name"] for e in cache_entries(settings)] == [out.name]


async def test_a_rate_limit_that_never_ends_is_a_rate_limited_error_saying_when_to_retry(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    emulator.state.faults.error(429, operation="models.generateContent", times=None, retry_after=30)
    with pytest.raises(RateLimitedError) as caught:
        await call_operation("ask_about_audio", {"audio": str(speech), "question": "Who?"}, settings=settings)
    assert caught.value.retry_after == 30
    assert "Traceback" not in str(caught.value)
    assert_clean(emulator, settings, temp_root, files=0)


@pytest.mark.parametrize("status", [500, 503])
async def test_a_server_error_burst_shorter_than_the_retry_budget_still_succeeds(
    status: int, emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    emulator.state.faults.error(status, operation="upload.*", times=3)
    out: Any = await call_operation("upload_audio", {"audio": str(speech), "end": "0:04"}, settings=settings)
    assert out.state == "ACTIVE" and out.range.method == "clip"
    assert_clean(emulator, settings, temp_root, files=1)


@pytest.mark.parametrize("operation", ["upload.start", "upload.chunk", "files.get"])
async def test_a_server_error_burst_longer_than_the_retry_budget_fails_clearly_and_leaves_nothing(
    operation: str, emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    # ``files.get`` only fails while polling: keep the upload PROCESSING so the client has to poll.
    if operation == "files.get":
        emulator.state.faults.slow_processing(0.5, fail_message=None)
    emulator.state.faults.error(503, operation=operation, times=None)
    with pytest.raises(ServiceUnavailableError, match=r"(?i)unavailable|overloaded|try again"):
        await call_operation("upload_audio", {"audio": str(speech), "end": "0:04"}, settings=settings)
    emulator.state.faults.clear()
    assert_clean(emulator, settings, temp_root, files=0)
    assert cache_entries(settings) == []
    # and the next call works from a clean slate
    out: Any = await call_operation("upload_audio", {"audio": str(speech), "end": "0:04"}, settings=settings)
    assert_clean(emulator, settings, temp_root, files=1)
    assert [e["name"] for e in cache_entries(settings)] == [out.name]


async def test_an_exhausted_5xx_burst_on_generation_is_a_clear_error(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    emulator.state.faults.error(500, operation="models.generateContent", times=None)
    with pytest.raises(ServiceUnavailableError) as caught:
        await call_operation("describe_audio", {"audio": str(speech), "start": "2"}, settings=settings)
    assert emulator.state.faults.stats.requests["models.generateContent"] == settings.max_retries + 1
    assert "Traceback" not in str(caught.value)
    assert_clean(emulator, settings, temp_root, files=0)


async def test_a_connection_dropped_mid_upload_is_retried_and_makes_one_remote_file(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    emulator.state.faults.drop_connection("upload.chunk", after_bytes=50_000)
    as_is = settings.with_(wire_format="original")  # the WAV itself: 395 kB, cut after 50 kB
    out: Any = await call_operation("upload_audio", {"audio": str(speech)}, settings=as_is)
    assert out.state == "ACTIVE" and out.size_bytes == speech.stat().st_size
    assert emulator.state.faults.stats.requests["upload.start"] == 2
    assert_clean(emulator, settings, temp_root, files=1)


async def test_every_upload_attempt_dropped_is_a_clear_error_and_leaves_no_file(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    emulator.state.faults.drop_connection("upload.chunk", after_bytes=1000, times=100)
    with pytest.raises(GeminiAudioError) as caught:
        await call_operation("upload_audio", {"audio": str(speech), "start": "1"}, settings=settings)
    assert "Traceback" not in str(caught.value) and str(caught.value).strip()
    assert emulator.state.faults.stats.requests["upload.start"] == settings.max_retries + 1
    assert_clean(emulator, settings, temp_root, files=0)
    assert cache_entries(settings) == []


async def test_a_file_stuck_processing_then_failed_is_deleted_and_not_cached(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    emulator.state.faults.slow_processing(0.3, fail_message="Processing timed out.")
    with pytest.raises(RemoteFileFailedError, match="could not process"):
        await call_operation("upload_audio", {"audio": str(speech)}, settings=settings)
    assert_clean(emulator, settings, temp_root, files=0)
    assert cache_entries(settings) == []
    out: Any = await call_operation("upload_audio", {"audio": str(speech)}, settings=settings)
    assert not out.reused
    assert_clean(emulator, settings, temp_root, files=1)


async def test_a_file_processing_past_the_wait_limit_times_out_and_is_deleted(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    emulator.state.faults.slow_processing(None, fail_message=None)
    quick = settings.with_(file_active_timeout_seconds=0.3)
    with pytest.raises(OperationTimeoutError, match="still PROCESSING"):
        await call_operation("upload_audio", {"audio": str(speech), "end": "0:03"}, settings=quick)
    assert_clean(emulator, settings, temp_root, files=0)
    assert cache_entries(settings) == []


async def test_a_cached_file_that_turned_failed_is_uploaded_again_and_the_entry_replaced(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    first: Any = await call_operation("upload_audio", {"audio": str(speech)}, settings=settings)
    emulator.state.store.fail(first.name.removeprefix("files/"), "Broken.")
    second: Any = await call_operation("upload_audio", {"audio": str(speech)}, settings=settings)
    assert second.name != first.name and not second.reused
    active = [f for f in remote_files(emulator) if f.state(emulator.state.clock.now()) == "ACTIVE"]
    assert [f.name for f in active] == [second.name]
    assert [e["name"] for e in cache_entries(settings)] == [second.name]
    assert list(temp_root.iterdir()) == []


async def test_one_slow_response_past_the_timeout_is_retried_and_succeeds(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    quick = settings.with_(request_timeout_seconds=0.5)
    emulator.state.faults.latency(1.5, operation="models.countTokens", times=1)
    out: Any = await call_operation(
        "count_audio_tokens", {"audio": str(speech), "end": "0:03", "exact": True}, settings=quick
    )
    assert out.method == "api" and out.audio_tokens == 96
    assert emulator.state.faults.stats.requests["models.countTokens"] >= 2  # more only on a loaded machine
    assert_clean(emulator, settings, temp_root, files=0)


async def test_responses_always_slower_than_the_timeout_end_in_a_timeout_error(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    quick = settings.with_(request_timeout_seconds=0.3, max_retries=1)
    emulator.state.faults.latency(1.0, operation="models.generateContent", times=None)
    with pytest.raises(OperationTimeoutError, match=r"(?i)timed out"):
        await call_operation("ask_about_audio", {"audio": str(speech), "question": "What?"}, settings=quick)
    assert_clean(emulator, settings, temp_root, files=0)


async def test_an_upload_chunk_slower_than_the_timeout_leaves_one_remote_file(
    emulator: EmulatorServer, settings: Settings, speech: Path, temp_root: Path
) -> None:
    quick = settings.with_(request_timeout_seconds=0.5, upload_adopt_grace_seconds=3.0)
    emulator.state.faults.latency(1.5, operation="upload.chunk", times=1)
    out: Any = await call_operation("upload_audio", {"audio": str(speech)}, settings=quick)
    assert out.state == "ACTIVE"
    # the abandoned attempt must not turn into a second file once the emulator wakes up
    await _settle(emulator, 1.5)
    assert_clean(emulator, settings, temp_root, files=1)


async def _settle(emulator: EmulatorServer, seconds: float) -> None:
    """Wait until the emulator finished serving the delayed request (it holds it ``seconds``)."""
    import asyncio

    stats = emulator.state.faults.stats
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds + 2.0
    while loop.time() < deadline:
        answered = sum(stats.statuses["upload.chunk"].values())
        if answered >= stats.requests["upload.chunk"]:
            return
        await asyncio.sleep(0.05)
