"""Upload sessions: chunks land on disk at the right offset; a rejected or broken chunk leaves no trace;
abandoned sessions expire by the emulator's clock; open sessions are capped."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import errors, types

from gemini_audio_tools.emulator.clock import EmulatorClock
from gemini_audio_tools.emulator.errors import ApiError
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.emulator.settings import EmulatorSettings
from gemini_audio_tools.emulator.uploads import UploadSessions, receive_chunk
from tests.fixtures.audio import MakeAudio


async def _body(*pieces: bytes, fail_after: int | None = None) -> AsyncIterator[bytes]:
    for i, piece in enumerate(pieces):
        if fail_after is not None and i == fail_after:
            raise ConnectionResetError("client went away")
        yield piece


async def test_chunks_are_appended_and_hashed_incrementally(tmp_path: Path) -> None:
    sessions = UploadSessions(tmp_path)
    session = sessions.start("f1", None, "audio/wav", 12)

    await receive_chunk(session, _body(b"abcd", b"efgh"), final=False, granularity=4)
    await receive_chunk(session, _body(b"ijkl"), final=True, granularity=4)

    assert session.path.read_bytes() == b"abcdefghijkl"
    assert session.offset == 12
    assert session.hasher.hexdigest() == hashlib.sha256(b"abcdefghijkl").hexdigest()


async def test_a_chunk_past_the_declared_size_is_refused_and_rolled_back(tmp_path: Path) -> None:
    session = UploadSessions(tmp_path).start("f1", None, "audio/wav", 4)

    with pytest.raises(ApiError) as caught:
        await receive_chunk(session, _body(b"abc", b"de"), final=True, granularity=1)

    assert caught.value.code == 400
    assert session.offset == 0 and session.path.read_bytes() == b""


async def test_a_non_final_chunk_off_the_granularity_is_refused(tmp_path: Path) -> None:
    session = UploadSessions(tmp_path).start("f1", None, "audio/wav", 100)

    with pytest.raises(ApiError):
        await receive_chunk(session, _body(b"abc"), final=False, granularity=8)
    assert session.offset == 0


async def test_a_broken_body_leaves_the_session_at_its_last_committed_offset(tmp_path: Path) -> None:
    session = UploadSessions(tmp_path).start("f1", None, "audio/wav", 8)
    await receive_chunk(session, _body(b"abcd"), final=False, granularity=4)
    before = session.hasher.hexdigest()

    with pytest.raises(ConnectionResetError):
        await receive_chunk(session, _body(b"ef", b"gh", fail_after=1), final=True, granularity=4)

    assert session.offset == 4 and session.path.read_bytes() == b"abcd"
    assert session.hasher.hexdigest() == before


def test_pending_sessions_count_against_the_quota_until_discarded(tmp_path: Path) -> None:
    sessions = UploadSessions(tmp_path)
    session = sessions.start("f1", None, "audio/wav", 1000)
    assert sessions.pending_bytes() == 1000 and sessions.reserved_file_ids() == {"f1"}

    sessions.discard(session)

    assert sessions.pending_bytes() == 0
    assert not session.path.exists()
    with pytest.raises(ApiError) as caught:
        sessions.get(session.upload_id)
    assert caught.value.code == 404


# --- expiry and the cap on open sessions ---------------------------------------------------------------

WEEK = 7 * 24 * 3600


def _sessions(tmp_path: Path, **settings: Any) -> tuple[UploadSessions, EmulatorClock]:
    clock = EmulatorClock()
    return UploadSessions(tmp_path, EmulatorSettings(**settings), clock), clock


async def test_an_unfinished_session_expires_a_week_after_its_start_and_its_bytes_are_deleted(
    tmp_path: Path,
) -> None:
    sessions, clock = _sessions(tmp_path)
    session = sessions.start("f1", None, "audio/wav", 8)
    await receive_chunk(session, _body(b"abcd"), final=False, granularity=4)

    clock.advance(WEEK - 1)
    assert sessions.get(session.upload_id) is session and session.path.read_bytes() == b"abcd"
    clock.advance(1)

    with pytest.raises(ApiError) as caught:
        sessions.get(session.upload_id)
    assert (caught.value.code, caught.value.status) == (404, "NOT_FOUND")
    assert not session.path.exists() and list(tmp_path.iterdir()) == []
    assert sessions.pending_bytes() == 0 and sessions.reserved_file_ids() == set()


def test_the_session_ttl_is_a_setting(tmp_path: Path) -> None:
    sessions, clock = _sessions(tmp_path, upload_session_ttl_seconds=60)
    session = sessions.start("f1", None, "audio/wav", 8)

    clock.advance(59)
    assert sessions.open_count() == 1
    clock.advance(1)

    assert sessions.open_count() == 0 and not session.path.exists()


async def test_a_session_with_a_request_in_progress_expires_only_once_the_request_is_done(
    tmp_path: Path,
) -> None:
    sessions, clock = _sessions(tmp_path)
    session = sessions.start("f1", None, "audio/wav", 8)

    async with session.lock:  # a chunk is being received
        clock.advance(WEEK)
        assert sessions.expire() == 0 and session.path.exists()
        with pytest.raises(ApiError) as caught:
            sessions.ensure_live(session)  # what the request checks once it holds the lock

    assert caught.value.code == 404 and session.discarded and not session.path.exists()


def test_a_request_that_waited_for_a_cancelled_session_finds_it_gone(tmp_path: Path) -> None:
    sessions, _ = _sessions(tmp_path)
    session = sessions.start("f1", None, "audio/wav", 8)

    sessions.discard(session)  # e.g. a cancel that held the lock first

    with pytest.raises(ApiError) as caught:
        sessions.ensure_live(session)
    assert caught.value.code == 404


def test_one_session_past_the_cap_is_a_429_and_ending_one_frees_a_place(tmp_path: Path) -> None:
    sessions, clock = _sessions(tmp_path, max_open_upload_sessions=2)
    first = sessions.start("f1", None, "audio/wav", 8)
    second = sessions.start("f2", None, "audio/wav", 8)

    with pytest.raises(ApiError) as caught:
        sessions.start("f3", None, "audio/wav", 8)

    assert (caught.value.code, caught.value.status) == (429, "RESOURCE_EXHAUSTED")
    assert "2 open" in caught.value.message and "cancel" in caught.value.message
    assert "7 days" in caught.value.message
    assert len(list(tmp_path.iterdir())) == 2  # the refused session left no file
    first.finished_file_id = "f1"  # a finished session no longer counts
    third = sessions.start("f3", None, "audio/wav", 8)
    with pytest.raises(ApiError):
        sessions.start("f4", None, "audio/wav", 8)
    clock.advance(WEEK)  # expired sessions free their places too
    assert sessions.start("f4", None, "audio/wav", 8).upload_id not in {second.upload_id, third.upload_id}


# --- over HTTP ------------------------------------------------------------------------------------------


def _start(server: EmulatorServer, size: int) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/upload/v1/files?key=k",
        headers={
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(size),
            "X-Goog-Upload-Header-Content-Type": "audio/wav",
        },
    )


def test_an_abandoned_upload_expires_and_its_url_answers_like_an_unknown_session(
    emulator: EmulatorServer,
) -> None:
    emulator.state.settings.upload_chunk_granularity = 1024
    url = _start(emulator, 4096).headers["x-goog-upload-url"]
    chunk = httpx.post(
        url, content=b"\0" * 1024, headers={"X-Goog-Upload-Command": "upload", "X-Goog-Upload-Offset": "0"}
    )
    assert chunk.headers["x-goog-upload-status"] == "active"
    parts = emulator.state.root / "uploads"
    assert [p.stat().st_size for p in parts.iterdir()] == [1024]
    unknown = httpx.post(url.replace("upload_id=", "upload_id=x"), headers={"X-Goog-Upload-Command": "query"})

    emulator.state.clock.advance(WEEK)  # no sleeping: the emulator's clock

    for command, offset in (("query", None), ("upload", "1024"), ("upload, finalize", "1024")):
        headers = {"X-Goog-Upload-Command": command}
        if offset is not None:
            headers["X-Goog-Upload-Offset"] = offset
        answer = httpx.post(url, content=b"\0" * 1024 if offset else b"", headers=headers)
        assert (answer.status_code, answer.json()) == (unknown.status_code, unknown.json())
        assert answer.headers["x-goog-upload-status"] == "final"  # the SDK stops instead of retrying
    assert unknown.json()["error"]["status"] == "NOT_FOUND"
    assert list(parts.iterdir()) == []
    assert httpx.get(f"{emulator.base_url}/_emulator/state").json()["openUploadSessions"] == 0


def test_the_sdk_is_refused_with_a_429_past_the_open_session_cap_until_one_is_cancelled(
    emulator: EmulatorServer, genai_client: genai.Client, make_audio: MakeAudio
) -> None:
    audio = make_audio("wav", 1.0)
    emulator.state.settings.max_open_upload_sessions = 1
    abandoned = _start(emulator, 100).headers["x-goog-upload-url"]

    with pytest.raises(errors.ClientError) as caught:
        genai_client.files.upload(file=audio)
    assert (caught.value.code, caught.value.status) == (429, "RESOURCE_EXHAUSTED")
    assert "Too many resumable uploads in progress (1 open)" in str(caught.value.message)

    httpx.post(abandoned, headers={"X-Goog-Upload-Command": "cancel"})
    assert genai_client.files.upload(file=audio).state == types.FileState.ACTIVE
