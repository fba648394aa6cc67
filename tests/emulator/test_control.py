"""``/_emulator/*``: steering a running emulator from another process over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from google import genai
from google.genai import errors, types

from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import MakeAudio


@pytest.fixture
def tone(make_audio: MakeAudio) -> Path:
    return make_audio("wav", 1.0)


def test_a_fault_armed_over_http_reaches_the_sdk(
    emulator: EmulatorServer, genai_client: genai.Client
) -> None:
    armed = httpx.post(
        f"{emulator.base_url}/_emulator/faults",
        json={"type": "error", "status_code": 429, "operation": "files.list", "retry_after": 3},
    )
    assert armed.status_code == 200

    with pytest.raises(errors.ClientError) as caught:
        list(genai_client.files.list())
    assert caught.value.code == 429
    assert list(genai_client.files.list()) == []


def test_faults_can_be_cleared(emulator: EmulatorServer, genai_client: genai.Client) -> None:
    httpx.post(f"{emulator.base_url}/_emulator/faults", json={"type": "error", "times": None})

    assert httpx.delete(f"{emulator.base_url}/_emulator/faults").json()["rules"] == []
    assert list(genai_client.files.list()) == []


def test_an_unknown_fault_type_is_a_400_naming_the_valid_ones(emulator: EmulatorServer) -> None:
    response = httpx.post(f"{emulator.base_url}/_emulator/faults", json={"type": "gremlins"})

    assert response.status_code == 400
    assert "slow_processing" in response.json()["error"]["message"]


def test_bad_fault_arguments_are_a_400(emulator: EmulatorServer) -> None:
    response = httpx.post(f"{emulator.base_url}/_emulator/faults", json={"type": "error", "status_code": 200})

    assert response.status_code == 400


def test_advancing_the_clock_over_http_expires_files(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    file = genai_client.files.upload(file=tone)
    assert file.name is not None

    moved = httpx.post(f"{emulator.base_url}/_emulator/clock", json={"advance_seconds": 48 * 3600})

    assert moved.json()["now"].endswith("Z")
    with pytest.raises(errors.ClientError):
        genai_client.files.get(name=file.name)


def test_state_shows_files_and_counters_and_reset_forgets_them(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    file = genai_client.files.upload(file=tone)

    state = httpx.get(f"{emulator.base_url}/_emulator/state").json()
    httpx.post(f"{emulator.base_url}/_emulator/reset")
    after = httpx.get(f"{emulator.base_url}/_emulator/state").json()

    assert [f["name"] for f in state["files"]] == [file.name]
    assert state["stats"]["requests"]["upload.start"] == 1
    assert after["files"] == [] and after["stats"]["requests"] == {}


def test_a_file_can_be_made_failed_over_http(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    file = genai_client.files.upload(file=tone)
    assert file.name is not None

    response = httpx.post(
        f"{emulator.base_url}/_emulator/{file.name}:fail", json={"message": "Broken on purpose."}
    )

    assert response.json()["state"] == "FAILED"
    failed = genai_client.files.get(name=file.name)
    assert failed.error is not None and failed.error.message == "Broken on purpose."


def test_slow_processing_and_audio_latency_can_be_armed_over_http(emulator: EmulatorServer) -> None:
    base = emulator.base_url
    httpx.post(f"{base}/_emulator/faults", json={"type": "slow_processing", "seconds": None, "files": 2})
    httpx.post(f"{base}/_emulator/faults", json={"type": "audio_latency", "seconds_per_hour": 30})

    described = httpx.get(f"{base}/_emulator/state").json()

    assert described["processing"][0]["seconds"] is None and described["processing"][0]["files"] == 2
    assert described["audio_latency_per_hour"] == 30


def test_a_batch_can_be_made_failed_over_http_and_shows_in_the_state(
    emulator: EmulatorServer, genai_client: genai.Client
) -> None:
    emulator.state.settings.batch_pending_seconds = 600
    job = genai_client.batches.create(model="gemini-3.8-flash", src=[types.InlinedRequest(contents="Hi.")])
    assert job.name is not None

    response = httpx.post(f"{emulator.base_url}/_emulator/{job.name}:fail", json={"message": "No quota."})

    assert response.json() == {"name": job.name, "state": "FAILED"}
    assert genai_client.batches.get(name=job.name).state == types.JobState.JOB_STATE_FAILED
    state = httpx.get(f"{emulator.base_url}/_emulator/state").json()
    assert state["batches"] == [{"name": job.name, "state": "FAILED"}] and state["cachedContents"] == []
