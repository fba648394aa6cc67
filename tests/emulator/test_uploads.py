"""Upload sessions: chunks land on disk at the right offset; a rejected or broken chunk leaves no trace."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gemini_audio_tools.emulator.errors import ApiError
from gemini_audio_tools.emulator.uploads import UploadSessions, receive_chunk


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
