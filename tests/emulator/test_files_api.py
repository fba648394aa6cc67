"""The Files API through the real google-genai SDK: resumable upload, get, list, delete, states, limits."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from pathlib import Path

import httpx
import pytest
from google import genai
from google.genai import errors, types

from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import MakeAudio


@pytest.fixture
def tone(make_audio: MakeAudio) -> Path:
    return make_audio("wav", 2.0)


def test_upload_returns_an_active_file_with_the_real_apis_fields(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    file = genai_client.files.upload(file=tone, config={"display_name": "A tone"})

    assert file.name is not None and file.name.startswith("files/")
    assert file.display_name == "A tone"
    assert file.mime_type == "audio/x-wav"
    assert file.size_bytes == tone.stat().st_size
    assert file.state == types.FileState.ACTIVE
    assert file.source == types.FileSource.UPLOADED
    assert file.uri == f"{emulator.base_url}/v1/{file.name}"
    hex_digest = hashlib.sha256(tone.read_bytes()).hexdigest()
    assert file.sha256_hash == base64.b64encode(hex_digest.encode()).decode()
    assert file.create_time is not None and file.expiration_time is not None
    assert (file.expiration_time - file.create_time).total_seconds() == pytest.approx(48 * 3600)


def test_get_returns_the_same_file_and_the_raw_json_is_camel_case(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    uploaded = genai_client.files.upload(file=tone)
    assert uploaded.name is not None

    fetched = genai_client.files.get(name=uploaded.name)
    raw = httpx.get(f"{emulator.base_url}/v1beta/{uploaded.name}", headers={"x-goog-api-key": "k"}).json()

    assert fetched.sha256_hash == uploaded.sha256_hash
    assert fetched.state == types.FileState.ACTIVE
    assert raw["sizeBytes"] == str(tone.stat().st_size)
    assert set(raw) >= {
        "name",
        "mimeType",
        "sizeBytes",
        "createTime",
        "updateTime",
        "expirationTime",
        "sha256Hash",
    }
    assert raw["createTime"].endswith("Z")


def test_list_pages_newest_first_with_page_tokens(genai_client: genai.Client, tone: Path) -> None:
    names = [genai_client.files.upload(file=tone).name for _ in range(5)]

    first = genai_client.files.list(config={"page_size": 2})
    every = [f.name for f in genai_client.files.list(config={"page_size": 2})]

    assert [f.name for f in first.page] == names[::-1][:2]
    assert first.config["page_token"]
    assert every == names[::-1]


def test_list_defaults_to_ten_per_page_and_caps_page_size_at_one_hundred(
    emulator: EmulatorServer, tone: Path
) -> None:
    store = emulator.state.store
    data = tone.read_bytes()
    for _ in range(12):
        file_id = store.claim_id(None)
        path = store.root / file_id
        path.write_bytes(data)
        store.add(
            file_id,
            display_name=None,
            mime_type="audio/wav",
            size_bytes=len(data),
            sha256_hex="0" * 64,
            path=path,
            audio=None,
            failure=None,
        )

    default = httpx.get(f"{emulator.base_url}/v1/files?key=k").json()
    huge = httpx.get(f"{emulator.base_url}/v1/files?key=k&pageSize=1000").json()

    assert len(default["files"]) == 10 and "nextPageToken" in default
    assert len(huge["files"]) == 12 and "nextPageToken" not in huge


def test_a_malformed_page_token_is_a_400(genai_client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        genai_client.files.list(config={"page_token": "garbage!"})
    assert caught.value.code == 400


def test_delete_removes_the_file_and_its_bytes(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    file = genai_client.files.upload(file=tone)
    assert file.name is not None
    stored = emulator.state.store.get(file.name).path

    genai_client.files.delete(name=file.name)

    assert not stored.exists()
    assert list(genai_client.files.list()) == []
    with pytest.raises(errors.ClientError) as caught:
        genai_client.files.get(name=file.name)
    assert caught.value.code == 403
    assert caught.value.status == "PERMISSION_DENIED"


@pytest.mark.parametrize("method", ["get", "delete"])
def test_an_unknown_file_is_403_permission_denied_like_the_real_api(
    genai_client: genai.Client, method: str
) -> None:
    with pytest.raises(errors.ClientError) as caught:
        getattr(genai_client.files, method)(name="files/doesnotexist1")
    assert caught.value.code == 403
    assert (
        caught.value.message
        == "You do not have permission to access the File doesnotexist1 or it may not exist."
    )


def test_files_expire_after_48_hours_of_emulator_clock(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    file = genai_client.files.upload(file=tone)
    assert file.name is not None

    emulator.state.clock.advance(48 * 3600 - 1)
    assert genai_client.files.get(name=file.name).state == types.FileState.ACTIVE
    emulator.state.clock.advance(1)

    with pytest.raises(errors.ClientError) as caught:
        genai_client.files.get(name=file.name)
    assert caught.value.code == 403
    assert list(genai_client.files.list()) == []


def test_undecodable_bytes_turn_the_file_failed_with_an_error(
    genai_client: genai.Client, text_as_mp3: Path
) -> None:
    file = genai_client.files.upload(file=text_as_mp3)

    assert file.state == types.FileState.FAILED
    assert file.error is not None and file.error.message


def test_a_file_stays_processing_for_the_configured_delay(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.settings.processing_seconds = 30
    file = genai_client.files.upload(file=tone)
    assert file.name is not None
    assert file.state == types.FileState.PROCESSING

    emulator.state.clock.advance(30)

    assert genai_client.files.get(name=file.name).state == types.FileState.ACTIVE


def test_a_client_chosen_name_is_used_and_a_duplicate_is_409(genai_client: genai.Client, tone: Path) -> None:
    file = genai_client.files.upload(file=tone, config={"name": "my-tone-1"})
    assert file.name == "files/my-tone-1"

    with pytest.raises(errors.ClientError) as caught:
        genai_client.files.upload(file=tone, config={"name": "my-tone-1"})
    assert caught.value.code == 409


def test_an_unsupported_mime_type_is_refused_at_upload_start(
    genai_client: genai.Client, tmp_path: Path
) -> None:
    image = tmp_path / "x.png"
    image.write_bytes(b"\x89PNG....")

    with pytest.raises(errors.ClientError) as caught:
        genai_client.files.upload(file=image)
    assert caught.value.code == 400
    assert caught.value.message == "Unsupported MIME type: image/png"


def test_a_file_over_the_per_file_limit_is_refused(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.settings.max_file_bytes = 1000

    with pytest.raises(errors.ClientError) as caught:
        genai_client.files.upload(file=tone)
    assert caught.value.code == 400
    assert "maximum file size of 1000 bytes" in str(caught.value.message)
    assert emulator.state.faults.stats.requests.get("upload.chunk", 0) == 0


def test_the_project_quota_counts_stored_files(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    size = tone.stat().st_size
    emulator.state.settings.max_project_bytes = size * 2
    genai_client.files.upload(file=tone)
    genai_client.files.upload(file=tone)

    with pytest.raises(errors.ClientError) as caught:
        genai_client.files.upload(file=tone)
    assert caught.value.code == 400
    assert caught.value.status == "FAILED_PRECONDITION"
    assert "quota" in str(caught.value.message)


def test_an_upload_of_several_chunks_is_reassembled_byte_for_byte(
    emulator: EmulatorServer, genai_client: genai.Client, make_audio: MakeAudio
) -> None:
    big = make_audio("wav", 300.0, rate=16000)  # 9.6 MB: two 8 MiB chunks
    file = genai_client.files.upload(file=big)
    assert file.name is not None

    stored = emulator.state.store.get(file.name).path
    assert stored.read_bytes() == big.read_bytes()
    assert emulator.state.faults.stats.requests["upload.chunk"] == 2
    assert emulator.state.faults.stats.bytes_received["upload.chunk"] == big.stat().st_size


async def test_the_async_client_uploads_gets_lists_and_deletes(
    async_genai_client: genai.client.AsyncClient, tone: Path
) -> None:
    file = await async_genai_client.files.upload(file=tone)
    assert file.name is not None and file.state == types.FileState.ACTIVE

    fetched = await async_genai_client.files.get(name=file.name)
    listed = [f.name async for f in await async_genai_client.files.list()]
    await async_genai_client.files.delete(name=file.name)

    assert fetched.sha256_hash == file.sha256_hash
    assert listed == [file.name]
    with pytest.raises(errors.ClientError) as caught:
        await async_genai_client.files.get(name=file.name)
    assert caught.value.code == 403


def test_an_empty_file_uploads_and_turns_failed(genai_client: genai.Client, empty_file: Path) -> None:
    file = genai_client.files.upload(file=empty_file)

    assert file.size_bytes == 0
    assert file.state == types.FileState.FAILED


def test_an_in_memory_stream_uploads_like_a_path(genai_client: genai.Client, tone: Path) -> None:
    with tone.open("rb") as stream:
        file = genai_client.files.upload(file=stream, config={"mime_type": "audio/wav"})

    assert file.mime_type == "audio/wav"
    assert file.size_bytes == tone.stat().st_size
    assert file.state == types.FileState.ACTIVE


def test_a_finished_session_answers_a_query_with_its_file(emulator: EmulatorServer, tone: Path) -> None:
    data = tone.read_bytes()
    start = httpx.post(
        f"{emulator.base_url}/upload/v1/files?key=k",
        headers={
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(len(data)),
            "X-Goog-Upload-Header-Content-Type": "audio/wav",
        },
    )
    url = start.headers["x-goog-upload-url"]
    done = httpx.post(
        url, content=data, headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"}
    )

    query = httpx.post(url, headers={"X-Goog-Upload-Command": "query"})

    assert query.headers["x-goog-upload-status"] == "final"
    assert query.json()["file"]["name"] == done.json()["file"]["name"]


def test_an_upload_can_be_cancelled_and_leaves_nothing_behind(emulator: EmulatorServer, tone: Path) -> None:
    start = httpx.post(
        f"{emulator.base_url}/upload/v1/files?key=k",
        headers={
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": "100",
            "X-Goog-Upload-Header-Content-Type": "audio/wav",
        },
    )

    cancelled = httpx.post(start.headers["x-goog-upload-url"], headers={"X-Goog-Upload-Command": "cancel"})

    assert cancelled.headers["x-goog-upload-status"] == "cancelled"
    assert list((emulator.state.root / "uploads").iterdir()) == []
    assert emulator.state.uploads.pending_bytes() == 0


def test_a_non_resumable_upload_is_refused_with_a_clear_400(emulator: EmulatorServer) -> None:
    response = httpx.post(f"{emulator.base_url}/upload/v1/files?key=k", content=b"abc")

    assert response.status_code == 400
    assert "resumable" in response.json()["error"]["message"]


async def test_concurrent_async_uploads_each_get_their_own_file(
    async_genai_client: genai.client.AsyncClient, tone: Path
) -> None:
    files = await asyncio.gather(*(async_genai_client.files.upload(file=tone) for _ in range(6)))

    names = {f.name for f in files}
    listed = {f.name async for f in await async_genai_client.files.list(config={"page_size": 100})}
    assert len(names) == 6 and listed == names
    assert {f.sha256_hash for f in files} == {files[0].sha256_hash}


def test_the_mime_type_may_come_from_the_metadata_when_the_header_is_absent(
    emulator: EmulatorServer, tone: Path
) -> None:
    data = tone.read_bytes()
    start = httpx.post(
        f"{emulator.base_url}/upload/v1beta/files?key=k",
        headers={
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(len(data)),
        },
        json={"file": {"mime_type": "audio/wav", "display_name": "snake"}},
    )
    url = start.headers["x-goog-upload-url"]
    done = httpx.post(
        url, content=data, headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"}
    )

    assert done.json()["file"]["mimeType"] == "audio/wav"
    assert done.json()["file"]["displayName"] == "snake"
