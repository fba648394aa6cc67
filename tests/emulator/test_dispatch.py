"""API-key checks, injected faults and traffic counters, as the real SDK experiences them."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from google import genai
from google.genai import errors, types

from gemini_audio_tools.emulator.model_types import (
    AudioInput,
    AudioTokenCount,
    GenerationRequest,
    GenerationResult,
)
from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import MakeAudio
from tests.fixtures.emulator import MakeEmulator, client_for

MODEL = "gemini-2.5-flash"

try:  # the SDK sends through httpx2 (a fork of httpx) when it is installed
    import httpx2

    TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx.TransportError, httpx2.TransportError)
except ImportError:
    TRANSPORT_ERRORS = (httpx.TransportError,)


@pytest.fixture
def tone(make_audio: MakeAudio) -> Path:
    return make_audio("wav", 2.0)


def _inline(path: Path) -> types.Part:
    return types.Part.from_bytes(data=path.read_bytes(), mime_type="audio/wav")


def test_a_request_without_an_api_key_is_403_permission_denied(emulator: EmulatorServer) -> None:
    response = httpx.get(f"{emulator.base_url}/v1/files")

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["status"] == "PERMISSION_DENIED"
    assert error["message"].startswith("Method doesn't allow unregistered callers")


def test_the_key_may_come_from_the_key_query_parameter(emulator: EmulatorServer) -> None:
    assert httpx.get(f"{emulator.base_url}/v1/files?key=abc").status_code == 200


def test_a_key_configured_invalid_is_400_api_key_not_valid(emulator: EmulatorServer) -> None:
    emulator.state.settings.invalid_api_keys = frozenset({"revoked"})
    client = client_for(emulator, api_key="revoked")

    with pytest.raises(errors.ClientError) as caught:
        client.files.list()
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"
    assert caught.value.message == "API key not valid. Please pass a valid API key."
    assert caught.value.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"


def test_only_allow_listed_keys_pass_when_a_list_is_configured(emulator: EmulatorServer) -> None:
    emulator.state.settings.valid_api_keys = frozenset({"good"})

    good, other = client_for(emulator, api_key="good"), client_for(emulator, api_key="other")

    assert list(good.files.list()) == []
    with pytest.raises(errors.ClientError):
        other.files.list()


def test_an_unserved_api_version_is_404(emulator: EmulatorServer) -> None:
    assert httpx.get(f"{emulator.base_url}/v9/files?key=k").status_code == 404


def test_the_old_v1beta_prefix_is_served_like_v1(emulator: EmulatorServer, tone: Path) -> None:
    client = client_for(emulator, api_version="v1beta")

    file = client.files.upload(file=tone)

    assert file.uri is not None and "/v1beta/files/" in file.uri
    assert client.models.count_tokens(model=MODEL, contents=[file]).total_tokens == 64


def test_an_injected_429_carries_retry_after_and_fires_the_requested_number_of_times(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.faults.error(429, operation="models.generateContent", times=1, retry_after=7)

    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model=MODEL, contents=[_inline(tone), "Hi"])
    assert caught.value.code == 429
    assert caught.value.status == "RESOURCE_EXHAUSTED"
    assert caught.value.response.headers["retry-after"] == "7"
    assert genai_client.models.generate_content(model=MODEL, contents=[_inline(tone), "Hi"]).text


@pytest.mark.parametrize("code", [500, 503])
def test_injected_5xx_arrive_as_the_sdks_server_error(
    emulator: EmulatorServer, genai_client: genai.Client, code: int
) -> None:
    emulator.state.faults.error(code, operation="files.*")

    with pytest.raises(errors.ServerError) as caught:
        genai_client.files.list()
    assert caught.value.code == code


def test_the_sdks_own_retry_options_recover_from_a_503_burst(emulator: EmulatorServer, tone: Path) -> None:
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.01, max_delay=0.01, jitter=0)
    client = client_for(emulator, retry_options=retry)
    emulator.state.faults.error(503, operation="models.countTokens", times=2)

    result = client.models.count_tokens(model=MODEL, contents=[_inline(tone)])

    assert result.total_tokens == 64
    assert emulator.state.faults.stats.statuses["models.countTokens"] == {503: 2, 200: 1}


def test_a_fault_on_an_upload_chunk_fails_the_sdk_upload_at_once_without_its_sleeps(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.faults.error(503, operation="upload.chunk")
    started = time.monotonic()

    with pytest.raises(errors.ServerError):
        genai_client.files.upload(file=tone)
    assert time.monotonic() - started < 1.0  # the SDK sleeps 1+2+4 s when X-Goog-Upload-Status is missing


def test_a_dropped_connection_mid_upload_leaves_a_resumable_session(
    emulator: EmulatorServer, make_audio: MakeAudio
) -> None:
    audio = make_audio("wav", 300.0)  # 9.6 MB: a full 8 MiB chunk, then the rest
    data = audio.read_bytes()
    emulator.state.faults.drop_connection("upload.chunk", after_bytes=1_000_000)
    base, headers = emulator.base_url, {"x-goog-api-key": "k"}
    start = httpx.post(
        f"{base}/upload/v1/files",
        headers={
            **headers,
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(len(data)),
            "X-Goog-Upload-Header-Content-Type": "audio/wav",
        },
        json={"file": {"displayName": "resumed"}},
    )
    url = start.headers["x-goog-upload-url"]
    chunk = 8 * 1024 * 1024

    with pytest.raises(httpx.TransportError):
        httpx.post(
            url,
            content=data[:chunk],
            headers={"X-Goog-Upload-Command": "upload", "X-Goog-Upload-Offset": "0"},
        )
    query = httpx.post(url, headers={"X-Goog-Upload-Command": "query"})
    assert query.headers["x-goog-upload-size-received"] == "0"
    first = httpx.post(
        url, content=data[:chunk], headers={"X-Goog-Upload-Command": "upload", "X-Goog-Upload-Offset": "0"}
    )
    last = httpx.post(
        url,
        content=data[chunk:],
        headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": str(chunk)},
    )

    assert first.headers["x-goog-upload-status"] == "active"
    assert last.headers["x-goog-upload-status"] == "final"
    file = last.json()["file"]
    assert file["state"] == "ACTIVE" and file["displayName"] == "resumed"
    assert emulator.state.store.get(file["name"]).path.read_bytes() == data


def test_the_sdk_sees_a_dropped_upload_as_a_transport_error(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.faults.drop_connection("upload.chunk", after_bytes=10_000)

    with pytest.raises(TRANSPORT_ERRORS):
        genai_client.files.upload(file=tone)
    assert genai_client.files.upload(file=tone).state == types.FileState.ACTIVE


def test_a_wrong_upload_offset_is_a_400_and_ends_the_session(emulator: EmulatorServer, tone: Path) -> None:
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

    wrong = httpx.post(
        url, content=data, headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "5"}
    )

    assert wrong.status_code == 400
    assert wrong.headers["x-goog-upload-status"] == "final"
    assert "X-Goog-Upload-Offset" in wrong.json()["error"]["message"]
    assert httpx.post(url, headers={"X-Goog-Upload-Command": "query"}).status_code == 404
    assert list((emulator.state.root / "uploads").iterdir()) == []


def test_injected_latency_delays_the_request(emulator: EmulatorServer, genai_client: genai.Client) -> None:
    emulator.state.faults.latency(0.3, operation="files.list")
    started = time.monotonic()

    list(genai_client.files.list())

    assert time.monotonic() - started >= 0.3


def test_latency_grows_with_the_audio_length(
    emulator: EmulatorServer, genai_client: genai.Client, make_audio: MakeAudio
) -> None:
    emulator.state.faults.audio_latency(360.0)  # 0.1 s per second of audio
    audio = make_audio("wav", 3.0)
    started = time.monotonic()

    genai_client.models.generate_content(model=MODEL, contents=[_inline(audio), "Hi"])

    assert time.monotonic() - started >= 0.3


def test_slow_processing_keeps_a_file_processing_then_fails_it(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.faults.slow_processing(600, fail_message="Processing timed out.")
    file = genai_client.files.upload(file=tone)
    assert file.name is not None and file.state == types.FileState.PROCESSING

    emulator.state.clock.advance(600)
    after = genai_client.files.get(name=file.name)

    assert after.state == types.FileState.FAILED
    assert after.error is not None and after.error.message == "Processing timed out."
    assert genai_client.files.upload(file=tone).state == types.FileState.ACTIVE  # only the next upload


def test_processing_forever_never_ends(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.faults.slow_processing(None, fail_message=None)
    file = genai_client.files.upload(file=tone)
    assert file.name is not None

    emulator.state.clock.advance(47 * 3600)

    assert genai_client.files.get(name=file.name).state == types.FileState.PROCESSING


def test_an_injected_failure_makes_good_audio_failed(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    emulator.state.faults.fail_uploads(1, message="Injected failure.")

    file = genai_client.files.upload(file=tone)

    assert file.state == types.FileState.FAILED
    assert file.error is not None and file.error.message == "Injected failure."


def test_counters_report_requests_and_bytes_per_operation(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    genai_client.files.upload(file=tone)
    genai_client.files.upload(file=tone)

    stats = emulator.state.faults.stats
    assert stats.requests["upload.start"] == 2
    assert stats.bytes_received["upload.chunk"] == 2 * tone.stat().st_size
    assert stats.statuses["upload.chunk"] == {200: 2}


class _BrokenModel:
    """A model with a bug: the emulator must still answer in the API's error format."""

    def generate(self, request: GenerationRequest) -> GenerationResult:
        raise RuntimeError("model bug")

    def count_audio(self, audio: AudioInput) -> AudioTokenCount:
        return AudioTokenCount(seconds=1.0, tokens=32)

    def count_text_tokens(self, text: str) -> int:
        return 1


def test_an_unexpected_emulator_error_is_a_500_in_the_apis_format(
    make_emulator: MakeEmulator, tone: Path
) -> None:
    server = make_emulator(model=_BrokenModel())
    client = client_for(server)

    with pytest.raises(errors.ServerError) as caught:
        client.models.generate_content(model=MODEL, contents=[_inline(tone), "Hi"])
    assert caught.value.code == 500
    assert caught.value.status == "INTERNAL"
    assert "model bug" in str(caught.value.message)


def test_an_unknown_path_answers_in_the_apis_error_format(emulator: EmulatorServer) -> None:
    response = httpx.get(f"{emulator.base_url}/v1/nothing/here?key=k")

    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"


def test_an_uploaded_file_can_be_failed_in_process(
    emulator: EmulatorServer, genai_client: genai.Client, tone: Path
) -> None:
    file = genai_client.files.upload(file=tone)
    assert file.name is not None

    emulator.state.store.fail(file.name, "Corrupted on purpose.")

    failed = genai_client.files.get(name=file.name)
    assert failed.state == types.FileState.FAILED
    assert failed.error is not None and failed.error.message == "Corrupted on purpose."


async def test_the_async_client_sees_injected_faults_as_the_sdks_errors(
    emulator: EmulatorServer, async_genai_client: genai.client.AsyncClient, tone: Path
) -> None:
    emulator.state.faults.error(429, operation="models.countTokens", retry_after=2)
    emulator.state.faults.error(503, operation="files.list")

    with pytest.raises(errors.ClientError) as rate_limited:
        await async_genai_client.models.count_tokens(model=MODEL, contents=[_inline(tone)])
    with pytest.raises(errors.ServerError) as unavailable:
        await async_genai_client.files.list()

    assert rate_limited.value.code == 429
    assert rate_limited.value.response.headers["retry-after"] == "2"
    assert unavailable.value.code == 503


async def test_the_async_client_sees_a_dropped_upload_as_a_transport_error(
    emulator: EmulatorServer, async_genai_client: genai.client.AsyncClient, tone: Path
) -> None:
    emulator.state.faults.drop_connection("upload.chunk", after_bytes=10_000)

    with pytest.raises(TRANSPORT_ERRORS):
        await async_genai_client.files.upload(file=tone)
