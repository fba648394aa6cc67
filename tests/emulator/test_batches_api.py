"""The Batch API through the real SDK: state machine on the emulator clock, JSONL results, errors, limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import errors, types

from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import MakeAudio
from tests.fixtures.emulator import TEST_API_KEY

MODEL = "gemini-3.8-flash"
S = types.JobState


@pytest.fixture
def tone_file(genai_client: genai.Client, make_audio: MakeAudio) -> types.File:
    return genai_client.files.upload(file=make_audio("wav", 2.0))


def _request(
    file: types.File | None = None, uri: str | None = None, text: str = "Describe."
) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"text": text}]
    if file is not None or uri is not None:
        parts.append({"fileData": {"fileUri": uri or file.uri, "mimeType": "audio/wav"}})
    return {"contents": [{"role": "user", "parts": parts}]}


def _upload_jsonl(client: genai.Client, tmp_path: Path, lines: list[str]) -> types.File:
    path = tmp_path / "requests.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return client.files.upload(file=path, config=types.UploadFileConfig(mime_type="jsonl"))


def _raw_get(emulator: EmulatorServer, name: str) -> dict[str, Any]:
    response = httpx.get(f"{emulator.base_url}/v1beta/{name}", headers={"x-goog-api-key": TEST_API_KEY})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def test_inline_batch_goes_pending_running_succeeded_as_the_clock_advances(
    emulator: EmulatorServer, genai_client: genai.Client, tone_file: types.File
) -> None:
    emulator.state.settings.batch_pending_seconds = 60
    emulator.state.settings.batch_running_seconds = 600
    requests = [
        types.InlinedRequest(contents=[_request(tone_file)["contents"][0]], metadata={"key": "first"}),
        types.InlinedRequest(contents="Say hello.", metadata={"key": "second"}),
    ]

    job = genai_client.batches.create(model=MODEL, src=requests, config={"display_name": "nightly"})
    assert job.state == S.JOB_STATE_PENDING
    assert job.name and job.name.startswith("batches/") and job.display_name == "nightly"
    assert job.model == f"models/{MODEL}"
    assert genai_client.batches.get(name=job.name).state == S.JOB_STATE_PENDING

    emulator.state.clock.advance(61)
    running = genai_client.batches.get(name=job.name)
    assert running.state == S.JOB_STATE_RUNNING and running.dest is None

    emulator.state.clock.advance(600)
    done = genai_client.batches.get(name=job.name)
    assert done.state == S.JOB_STATE_SUCCEEDED
    assert done.end_time and done.create_time and done.end_time > done.create_time
    assert done.dest is not None and done.dest.inlined_responses is not None
    first, second = done.dest.inlined_responses
    assert first.metadata == {"key": "first"} and second.metadata == {"key": "second"}
    assert first.response and "2.0 s" in (first.response.text or "")
    usage = first.response.usage_metadata
    assert (
        usage
        and usage.prompt_tokens_details
        and any(d.token_count == 64 for d in usage.prompt_tokens_details)
    )


def test_file_batch_writes_a_jsonl_responses_file_that_files_download_returns(
    emulator: EmulatorServer, genai_client: genai.Client, tone_file: types.File, tmp_path: Path
) -> None:
    lines = [json.dumps({"key": f"req-{i}", "request": _request(tone_file, text=f"Q{i}")}) for i in range(3)]
    source = _upload_jsonl(genai_client, tmp_path, lines)

    job = genai_client.batches.create(model=MODEL, src=source.name or "")
    done = genai_client.batches.get(name=job.name or "")

    assert done.state == S.JOB_STATE_SUCCEEDED
    assert done.dest and done.dest.file_name == f"files/batch-{(job.name or '').split('/')[1]}"
    results = [
        json.loads(line) for line in genai_client.files.download(file=done.dest.file_name).splitlines()
    ]
    assert [r["key"] for r in results] == ["req-0", "req-1", "req-2"]
    assert all("2.0 s" in r["response"]["candidates"][0]["content"]["parts"][0]["text"] for r in results)
    generated = genai_client.files.get(name=done.dest.file_name)
    assert generated.source == types.FileSource.GENERATED and generated.download_uri


def test_the_operation_json_carries_batch_stats_output_and_done_as_the_api_writes_them(
    emulator: EmulatorServer, genai_client: genai.Client, tmp_path: Path
) -> None:
    source = _upload_jsonl(genai_client, tmp_path, [json.dumps({"key": "a", "request": _request()})])
    job = genai_client.batches.create(model=MODEL, src=source.name or "")
    genai_client.batches.get(name=job.name or "")  # waits for the answer

    body = _raw_get(emulator, job.name or "")

    meta = body["metadata"]
    assert meta["@type"].endswith("v1main.GenerateContentBatch") and meta["state"] == "BATCH_STATE_SUCCEEDED"
    assert meta["batchStats"] == {"requestCount": "1", "successfulRequestCount": "1"}
    assert meta["inputConfig"] == {"fileName": source.name}
    assert body["done"] is True
    assert body["response"]["@type"].endswith("GenerateContentBatchOutput")
    assert body["response"]["responsesFile"] == meta["output"]["responsesFile"]


def test_each_bad_request_becomes_an_error_line_and_the_batch_still_succeeds(
    emulator: EmulatorServer, genai_client: genai.Client, tone_file: types.File, tmp_path: Path
) -> None:
    retired = _request(tone_file) | {"model": "models/gemini-2.0-flash"}
    lines = [
        json.dumps({"key": "good", "request": _request(tone_file)}),
        "{not json",
        json.dumps({"key": "gone", "request": _request(uri="files/deleted0000")}),
        json.dumps({"key": "retired", "request": retired}),
        json.dumps({"key": "empty", "request": {"contents": []}}),
    ]
    source = _upload_jsonl(genai_client, tmp_path, lines)

    job = genai_client.batches.create(model=MODEL, src=source.name or "")
    done = genai_client.batches.get(name=job.name or "")

    assert done.state == S.JOB_STATE_SUCCEEDED and done.dest and done.dest.file_name
    results = [
        json.loads(line) for line in genai_client.files.download(file=done.dest.file_name).splitlines()
    ]
    assert [r.get("key") for r in results] == ["good", None, "gone", "retired", "empty"]
    assert "response" in results[0]
    codes = [r["error"]["code"] for r in results[1:]]
    assert codes == [3, 7, 5, 3]  # INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND, INVALID_ARGUMENT
    assert "not valid JSON" in results[1]["error"]["message"]
    assert "models/gemini-2.0-flash is not found" in results[3]["error"]["message"]
    stats = _raw_get(emulator, job.name or "")["metadata"]["batchStats"]
    assert stats == {"requestCount": "5", "successfulRequestCount": "1", "failedRequestCount": "4"}


def test_inline_errors_reach_the_sdk_as_job_errors(
    emulator: EmulatorServer, genai_client: genai.Client
) -> None:
    emulator.state.faults.error(503, operation="batches.request")
    requests = [types.InlinedRequest(contents="One."), types.InlinedRequest(contents="Two.")]

    job = genai_client.batches.create(model=MODEL, src=requests)
    done = genai_client.batches.get(name=job.name or "")

    assert done.dest and done.dest.inlined_responses
    failed, ok = done.dest.inlined_responses
    assert failed.error and failed.error.code == 14 and failed.response is None  # UNAVAILABLE
    assert ok.response is not None and ok.error is None
    assert emulator.state.faults.stats.statuses["batches.request"] == {503: 1, 200: 1}


def test_a_batch_still_running_after_48_hours_expires_without_results(
    emulator: EmulatorServer, genai_client: genai.Client
) -> None:
    emulator.state.settings.batch_running_seconds = 72 * 3600
    job = genai_client.batches.create(model=MODEL, src=[types.InlinedRequest(contents="Hi.")])

    emulator.state.clock.advance(47 * 3600)
    assert genai_client.batches.get(name=job.name or "").state == S.JOB_STATE_RUNNING
    emulator.state.clock.advance(3600)
    expired = genai_client.batches.get(name=job.name or "")

    assert expired.state == S.JOB_STATE_EXPIRED and expired.dest is None


def test_cancel_stops_a_pending_batch_and_refuses_a_finished_one(
    emulator: EmulatorServer, genai_client: genai.Client
) -> None:
    emulator.state.settings.batch_pending_seconds = 3600
    job = genai_client.batches.create(model=MODEL, src=[types.InlinedRequest(contents="Hi.")])

    genai_client.batches.cancel(name=job.name or "")
    cancelled = genai_client.batches.get(name=job.name or "")
    assert cancelled.state == S.JOB_STATE_CANCELLED and cancelled.dest is None and cancelled.end_time

    with pytest.raises(errors.ClientError) as caught:
        genai_client.batches.cancel(name=job.name or "")
    assert caught.value.code == 400 and caught.value.status == "FAILED_PRECONDITION"


def test_delete_forgets_the_batch(emulator: EmulatorServer, genai_client: genai.Client) -> None:
    job = genai_client.batches.create(model=MODEL, src=[types.InlinedRequest(contents="Hi.")])

    genai_client.batches.delete(name=job.name or "")

    with pytest.raises(errors.ClientError) as caught:
        genai_client.batches.get(name=job.name or "")
    assert caught.value.code == 404
    assert [b.name for b in genai_client.batches.list()] == []


def test_list_pages_through_batches_newest_first(
    emulator: EmulatorServer, genai_client: genai.Client
) -> None:
    emulator.state.settings.batch_pending_seconds = 3600
    names = [
        genai_client.batches.create(model=MODEL, src=[types.InlinedRequest(contents=f"{i}")]).name
        for i in range(3)
    ]

    pager = genai_client.batches.list(config={"page_size": 2})
    assert [b.name for b in pager.page] == names[::-1][:2]
    assert [b.name for b in pager] == names[::-1]


def test_a_forced_failure_reports_failed(emulator: EmulatorServer, genai_client: genai.Client) -> None:
    emulator.state.settings.batch_pending_seconds = 3600
    job = genai_client.batches.create(model=MODEL, src=[types.InlinedRequest(contents="Hi.")])

    emulator.state.batches.fail(job.name or "", "Quota exhausted while processing.")

    assert genai_client.batches.get(name=job.name or "").state == S.JOB_STATE_FAILED
    assert _raw_get(emulator, job.name or "")["error"]["message"] == "Quota exhausted while processing."


def test_inline_requests_over_the_size_limit_are_refused(
    emulator: EmulatorServer, genai_client: genai.Client
) -> None:
    emulator.state.settings.max_batch_request_bytes = 2000

    with pytest.raises(errors.ClientError) as caught:
        genai_client.batches.create(model=MODEL, src=[types.InlinedRequest(contents="x" * 3000)])

    assert caught.value.code == 400
    assert "Request payload size exceeds the limit: 2000 bytes." in str(caught.value.message)
    assert emulator.state.batches.all() == []


@pytest.mark.parametrize(
    ("setup", "code", "words"),
    [
        ("unknown", 403, "permission to access the File"),
        ("audio", 400, "is audio"),
        ("too_big", 400, "the limit is 10 bytes"),
        ("empty", 400, "holds no requests"),
        ("binary", 400, "not UTF-8"),
    ],
)
def test_unusable_input_files_are_refused_at_creation(
    emulator: EmulatorServer,
    genai_client: genai.Client,
    tone_file: types.File,
    tmp_path: Path,
    setup: str,
    code: int,
    words: str,
) -> None:
    name = {"unknown": "files/nosuchfile", "audio": tone_file.name}.get(setup)
    if setup == "too_big":
        emulator.state.settings.max_batch_input_file_bytes = 10
        name = _upload_jsonl(genai_client, tmp_path, [json.dumps({"request": _request()})]).name
    elif setup in ("empty", "binary"):
        path = tmp_path / "in.jsonl"
        path.write_bytes(b"\n \n" if setup == "empty" else b"\xff\xfe\x00garbage\n")
        name = genai_client.files.upload(file=path, config=types.UploadFileConfig(mime_type="jsonl")).name

    with pytest.raises(errors.ClientError) as caught:
        genai_client.batches.create(model=MODEL, src=name or "")

    assert caught.value.code == code and words in str(caught.value.message)


def test_an_unknown_model_is_refused_like_generate_content(genai_client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        genai_client.batches.create(model="palm-2", src=[types.InlinedRequest(contents="Hi.")])

    assert caught.value.code == 404 and "batchGenerateContent" in str(caught.value.message)


def test_the_concurrent_batch_limit_answers_429_until_one_finishes(
    emulator: EmulatorServer, genai_client: genai.Client
) -> None:
    emulator.state.settings.max_concurrent_batches = 1
    emulator.state.settings.batch_pending_seconds = 60
    first = genai_client.batches.create(model=MODEL, src=[types.InlinedRequest(contents="Hi.")])

    with pytest.raises(errors.ClientError) as caught:
        genai_client.batches.create(model=MODEL, src=[types.InlinedRequest(contents="Hi.")])
    assert caught.value.code == 429

    emulator.state.clock.advance(61)
    assert genai_client.batches.get(name=first.name or "").state == S.JOB_STATE_SUCCEEDED
    assert genai_client.batches.create(model=MODEL, src=[types.InlinedRequest(contents="Hi.")]).name


def test_uploaded_files_cannot_be_downloaded(genai_client: genai.Client, tone_file: types.File) -> None:
    with pytest.raises(errors.ClientError) as caught:
        genai_client.files.download(file=tone_file.name or "")

    assert caught.value.code == 400 and "only files the service generated" in str(caught.value.message)


def test_the_results_file_downloads_from_the_batch_guides_path_too(
    emulator: EmulatorServer, genai_client: genai.Client, tmp_path: Path
) -> None:
    source = _upload_jsonl(genai_client, tmp_path, [json.dumps({"key": "a", "request": _request()})])
    job = genai_client.batches.create(model=MODEL, src=source.name or "")
    done = genai_client.batches.get(name=job.name or "")
    assert done.dest and done.dest.file_name

    url = f"{emulator.base_url}/download/v1beta/{done.dest.file_name}:download?alt=media"
    response = httpx.get(url, headers={"x-goog-api-key": TEST_API_KEY})

    assert response.status_code == 200
    assert json.loads(response.content.splitlines()[0])["key"] == "a"


def test_reset_forgets_batches_and_stops_their_work(
    emulator: EmulatorServer, genai_client: genai.Client
) -> None:
    emulator.state.settings.batch_pending_seconds = 3600
    genai_client.batches.create(model=MODEL, src=[types.InlinedRequest(contents="Hi.")])

    emulator.state.reset()

    assert emulator.state.batches.all() == []
    assert list(emulator.state.batches.root.iterdir()) == []
