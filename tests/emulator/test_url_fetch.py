"""External URLs in ``fileData.fileUri``: the emulator fetches them as the real API does, within its limits
and with its errors. Files are served from a local web server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from google import genai
from google.genai import errors, types

from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import MakeAudio
from tests.fixtures.emulator import TEST_API_KEY
from tests.fixtures.web import WebServer

MODEL = "gemini-2.5-flash"


@pytest.fixture
def tone(make_audio: MakeAudio) -> Path:
    return make_audio("wav", 2.0)


def _count(client: genai.Client, url: str, mime_type: str = "audio/wav") -> int:
    part = types.Part.from_uri(file_uri=url, mime_type=mime_type)
    return client.models.count_tokens(model=MODEL, contents=[part]).total_tokens or 0


def _error(client: genai.Client, url: str, mime_type: str = "audio/wav") -> errors.APIError:
    with pytest.raises(errors.APIError) as caught:
        _count(client, url, mime_type)
    return caught.value


def test_an_audio_url_is_fetched_and_counted_like_inline_audio(
    genai_client: genai.Client, web: WebServer, tone: Path
) -> None:
    url = web.add("/tone.wav", tone.read_bytes(), "audio/wav")

    assert _count(genai_client, url) == 64  # 2 s x 32 tokens
    assert web.requests[-1][0] == "/tone.wav"


def test_generate_content_hears_audio_fetched_from_a_url(
    genai_client: genai.Client, web: WebServer, tone: Path
) -> None:
    url = web.add("/tone.wav", tone.read_bytes(), "audio/wav")
    part = types.Part.from_uri(file_uri=url, mime_type="audio/wav")

    response = genai_client.models.generate_content(model=MODEL, contents=[part, "How long is it?"])

    assert "2.0" in (response.text or "")
    usage = response.usage_metadata
    assert usage is not None and usage.prompt_tokens_details is not None
    assert any(d.token_count == 64 for d in usage.prompt_tokens_details)


def test_redirects_are_followed(genai_client: genai.Client, web: WebServer, tone: Path) -> None:
    web.add("/tone.wav", tone.read_bytes(), "audio/wav")

    assert _count(genai_client, web.url("/redirect", to=web.url("/tone.wav"))) == 64


@pytest.mark.parametrize("path", ["/status/404", "/status/403", "/status/503", "/loop/a", "/gzip"])
def test_an_unreachable_url_is_400_cannot_fetch_content(
    genai_client: genai.Client, web: WebServer, path: str
) -> None:
    error = _error(genai_client, web.url(path))

    assert (error.code, error.status) == (400, "INVALID_ARGUMENT")
    assert error.message == "Cannot fetch content from the provided URL."


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5/a.wav", "http://169.254.169.254/latest/meta-data/", "http://192.168.1.1/a.wav"]
)
def test_a_private_address_is_unreachable_as_for_googles_fetcher(
    genai_client: genai.Client, url: str
) -> None:
    assert _error(genai_client, url).message == "Cannot fetch content from the provided URL."


def test_a_url_over_the_limit_is_refused_with_the_payload_size_error(
    emulator: EmulatorServer, genai_client: genai.Client, web: WebServer, tone: Path
) -> None:
    emulator.state.settings.max_url_fetch_bytes = 1000
    url = web.add("/tone.wav", tone.read_bytes(), "audio/wav")

    error = _error(genai_client, url)

    assert error.code == 400 and error.message == "Request payload size exceeds the limit: 1000 bytes."


def test_an_endless_url_stops_at_the_limit(
    emulator: EmulatorServer, genai_client: genai.Client, web: WebServer
) -> None:
    emulator.state.settings.max_url_fetch_bytes = 200_000

    assert "exceeds the limit" in (_error(genai_client, web.url("/endless")).message or "")


def test_a_stalled_url_fails_within_the_fetch_timeout(
    emulator: EmulatorServer, genai_client: genai.Client, web: WebServer
) -> None:
    emulator.state.settings.url_fetch_timeout_seconds = 0.3

    assert _error(genai_client, web.url("/stall")).message == "Cannot fetch content from the provided URL."


def test_html_served_for_an_audio_part_is_refused_as_undecodable_audio(
    genai_client: genai.Client, web: WebServer
) -> None:
    url = web.add("/ep1.mp3", b"<!DOCTYPE html><html><body>Sign in</body></html>", "audio/mpeg")

    error = _error(genai_client, url, "audio/mpeg")

    assert error.code == 400 and "Unable to process input audio" in (error.message or "")


def test_without_a_mime_type_the_served_content_type_decides(
    emulator: EmulatorServer, web: WebServer
) -> None:
    url = web.add("/page", b"<html></html>", "text/html")
    body = {"contents": [{"parts": [{"fileData": {"fileUri": url}}]}]}

    answer = httpx.post(
        f"{emulator.base_url}/v1beta/models/{MODEL}:countTokens",
        json=body,
        headers={"x-goog-api-key": TEST_API_KEY},
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "Unsupported MIME type: text/html"


def test_nothing_fetched_is_left_in_the_emulators_storage(
    emulator: EmulatorServer, genai_client: genai.Client, web: WebServer, tone: Path
) -> None:
    url = web.add("/tone.wav", tone.read_bytes(), "audio/wav")
    before = sorted(emulator.state.root.iterdir())

    _count(genai_client, url)
    _error(genai_client, web.url("/huge"))

    assert sorted(emulator.state.root.iterdir()) == before
