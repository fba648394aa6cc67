from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
from pathlib import Path

from gemini_audio_tools.backend.cache import CacheEntry, UploadCache, account_key

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.timezone.utc)
SHA = hashlib.sha256(b"audio").hexdigest()


def entry(sha: str = SHA, *, name: str = "files/abc", hours: float = 47) -> CacheEntry:
    expires = (NOW + dt.timedelta(hours=hours)).isoformat()
    return CacheEntry(sha, name, f"https://x/{name}", "audio/wav", 5, expires, duration_seconds=1.5)


def test_a_stored_entry_is_found_by_its_hash(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, "acct", clock=lambda: NOW)
    cache.put(entry())
    assert cache.get(SHA) == entry()


def test_an_expired_entry_is_a_miss_and_is_removed(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, "acct", clock=lambda: NOW)
    cache.put(entry(hours=0.05))  # inside the safety margin
    assert cache.get(SHA) is None
    assert list(cache.folder.glob("*.json")) == []


def test_a_damaged_entry_is_treated_as_a_miss(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, "acct", clock=lambda: NOW)
    cache.folder.mkdir(parents=True)
    (cache.folder / f"{SHA}.json").write_text("{not json")
    assert cache.get(SHA) is None


def test_accounts_do_not_see_each_others_entries(tmp_path: Path) -> None:
    UploadCache(tmp_path, account_key("http://emulator", "k1"), clock=lambda: NOW).put(entry())
    other = UploadCache(tmp_path, account_key(None, "k1"), clock=lambda: NOW)
    assert other.get(SHA) is None


def test_the_account_folder_name_does_not_contain_the_key(tmp_path: Path) -> None:
    assert "secret-key" not in account_key("http://x", "secret-key")


def test_drop_name_forgets_every_entry_for_a_remote_file(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, "acct", clock=lambda: NOW)
    other = hashlib.sha256(b"other").hexdigest()
    cache.put(entry())
    cache.put(entry(other, name="files/keep"))
    assert cache.find_name("files/abc") == entry()
    assert cache.drop_name("files/abc") == 1
    assert cache.get(SHA) is None
    assert cache.get(other) is not None


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, "acct", clock=lambda: NOW)
    for _ in range(3):
        cache.put(entry())
    assert sorted(p.name for p in cache.folder.iterdir()) == [f"{SHA}.json"]


def _writer(root: str, name: str) -> None:
    cache = UploadCache(Path(root), "acct", clock=lambda: NOW)
    for _ in range(200):
        cache.put(entry(name=name))


def test_two_processes_writing_the_same_entry_never_leave_a_torn_file(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), n)) for n in ("files/one", "files/two")]
    for p in procs:
        p.start()
    reader = UploadCache(tmp_path, "acct", clock=lambda: NOW)
    seen = set()
    while any(p.is_alive() for p in procs):
        found = reader.get(SHA)
        if found is not None:
            seen.add(found.name)
    for p in procs:
        p.join()
        assert p.exitcode == 0
    assert seen <= {"files/one", "files/two"}
    final = reader.get(SHA)
    assert final is not None and final.name in {"files/one", "files/two"}


async def test_the_upload_lock_is_exclusive_per_hash(tmp_path: Path) -> None:
    cache = UploadCache(tmp_path, "acct")
    async with cache.lock(SHA, timeout=1) as first:
        assert first
        async with cache.lock(SHA, timeout=0) as second:
            assert not second
        other = hashlib.sha256(b"x").hexdigest()
        async with cache.lock(other, timeout=0) as third:
            assert third
