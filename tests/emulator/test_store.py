"""FileStore: ids, states over time, expiry, paging and quotas, without HTTP."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gemini_audio_tools.emulator.clock import EmulatorClock
from gemini_audio_tools.emulator.errors import ApiError
from gemini_audio_tools.emulator.model_types import AudioTokenCount
from gemini_audio_tools.emulator.settings import EmulatorSettings
from gemini_audio_tools.emulator.store import FileStore, StoredFile

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> EmulatorClock:
    return EmulatorClock(START)


@pytest.fixture
def settings() -> EmulatorSettings:
    return EmulatorSettings()


@pytest.fixture
def store(tmp_path: Path, settings: EmulatorSettings, clock: EmulatorClock) -> FileStore:
    return FileStore(tmp_path / "files", settings, clock)


def _add(
    store: FileStore, data: bytes = b"abc", failure: str | None = None, name: str | None = None
) -> StoredFile:
    file_id = store.claim_id(name)
    path = store.root / file_id
    path.write_bytes(data)
    audio = None if failure else AudioTokenCount(seconds=3600.0, tokens=115200)
    return store.add(
        file_id,
        display_name=None,
        mime_type="audio/wav",
        size_bytes=len(data),
        sha256_hex="ab" * 32,
        path=path,
        audio=audio,
        failure=failure,
    )


def test_generated_ids_follow_the_apis_naming_rules(store: FileStore) -> None:
    ids = {store.claim_id(None) for _ in range(50)}

    assert len(ids) == 50
    assert all(len(i) == 12 and i.isalnum() and i.islower() for i in ids)


@pytest.mark.parametrize("bad", ["-starts-with-dash", "UPPER", "a" * 41, "under_score", "files/"])
def test_a_malformed_requested_name_is_a_400(store: FileStore, bad: str) -> None:
    with pytest.raises(ApiError) as caught:
        store.claim_id(bad)
    assert caught.value.code == 400


def test_processing_lasts_the_fixed_delay_plus_the_per_audio_hour_delay(
    store: FileStore, settings: EmulatorSettings, clock: EmulatorClock
) -> None:
    settings.processing_seconds = 5
    settings.processing_seconds_per_audio_hour = 10
    record = _add(store)

    assert record.state(clock.now()) == "PROCESSING"
    clock.advance(14.9)
    assert record.state(clock.now()) == "PROCESSING"
    clock.advance(0.1)
    assert record.state(clock.now()) == "ACTIVE"


def test_a_failed_file_reports_its_error_in_the_json(store: FileStore, clock: EmulatorClock) -> None:
    record = _add(store, failure="not audio")

    data = record.to_json(clock.now(), "http://h/v1")

    assert data["state"] == "FAILED"
    assert data["error"] == {"code": 400, "message": "not audio"}


def test_the_json_has_string_sizes_and_the_base64_of_the_hex_digest(
    store: FileStore, clock: EmulatorClock
) -> None:
    record = _add(store, b"12345")

    data = record.to_json(clock.now(), "http://h/v1beta")

    assert data["sizeBytes"] == "5"
    assert base64.b64decode(str(data["sha256Hash"])).decode() == "ab" * 32
    assert data["uri"] == f"http://h/v1beta/files/{record.id}"
    created = datetime.strptime(str(data["createTime"]), "%Y-%m-%dT%H:%M:%S.%fZ")
    expires = datetime.strptime(str(data["expirationTime"]), "%Y-%m-%dT%H:%M:%S.%fZ")
    assert (expires - created).total_seconds() == 48 * 3600


def test_expired_files_vanish_and_their_bytes_are_deleted(store: FileStore, clock: EmulatorClock) -> None:
    record = _add(store)
    clock.advance(48 * 3600)

    with pytest.raises(ApiError) as caught:
        store.get(record.id)
    assert caught.value.code == 403
    assert not record.path.exists()
    assert store.all() == []


def test_pages_are_newest_first_and_stable_across_deletions(store: FileStore) -> None:
    records = [_add(store) for _ in range(5)]

    first, token = store.page(2, None)
    store.delete(first[0].id)
    second, token2 = store.page(2, token)
    third, token3 = store.page(2, token2)

    assert [r.id for r in first] == [records[4].id, records[3].id]
    assert [r.id for r in second] == [records[2].id, records[1].id]
    assert [r.id for r in third] == [records[0].id] and token3 is None


def test_page_size_is_clamped_to_one_hundred(store: FileStore) -> None:
    for _ in range(101):
        _add(store, b"")
    page, token = store.page(500, None)

    assert len(page) == 100 and token is not None


def test_a_forged_page_token_is_a_400(store: FileStore) -> None:
    with pytest.raises(ApiError) as caught:
        store.page(10, base64.urlsafe_b64encode(b"after:3").decode())
    assert caught.value.code == 400


def test_the_project_quota_counts_stored_and_pending_bytes(
    store: FileStore, settings: EmulatorSettings
) -> None:
    settings.max_project_bytes = 10
    _add(store, b"12345")

    store.check_quota(5)
    with pytest.raises(ApiError) as caught:
        store.check_quota(3, pending_bytes=3)
    assert caught.value.status == "FAILED_PRECONDITION"


def test_the_per_file_limit_is_checked_before_the_project_quota(
    store: FileStore, settings: EmulatorSettings
) -> None:
    settings.max_file_bytes = 4

    with pytest.raises(ApiError) as caught:
        store.check_quota(5)
    assert caught.value.status == "INVALID_ARGUMENT"
