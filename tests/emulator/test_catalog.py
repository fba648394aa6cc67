"""The emulated model catalogue through the real SDK: who answers, 404s worded as the real API, listing."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from google import genai
from google.genai import errors, types

from gemini_audio_tools import models
from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import MakeAudio
from tests.fixtures.emulator import TEST_API_KEY

HEADERS = {"x-goog-api-key": TEST_API_KEY}


@pytest.fixture
def tone(make_audio: MakeAudio) -> types.Part:
    return types.Part.from_bytes(data=make_audio("wav", 1.0).read_bytes(), mime_type="audio/wav")


def _not_found(model: str, version: str, method: str) -> str:
    return (
        f"models/{model} is not found for API version {version}, or is not supported for {method}. "
        "Call ListModels to see the list of available models and their supported methods."
    )


@pytest.mark.parametrize("model", ["gemini-2.0-flash", "gemini-2.5-flsh", "models/gemini-3-pro-preview"])
def test_retired_and_unknown_ids_answer_404_with_the_real_apis_message(
    genai_client: genai.Client, tone: types.Part, model: str
) -> None:
    bare = model.removeprefix("models/")
    calls = {
        "generateContent": lambda: genai_client.models.generate_content(model=model, contents=[tone, "Hi"]),
        "countTokens": lambda: genai_client.models.count_tokens(model=model, contents=[tone]),
        # the real API names the method generateContent for a streamed request too
        "generateContent ": lambda: list(
            genai_client.models.generate_content_stream(model=model, contents="Hi")
        ),
    }
    for method, call in calls.items():
        with pytest.raises(errors.ClientError) as caught:
            call()
        assert (caught.value.code, caught.value.status) == (404, "NOT_FOUND"), method
        assert caught.value.message == _not_found(bare, "v1", method.strip()), method


def test_the_404_names_the_api_version_of_the_request(emulator: EmulatorServer) -> None:
    response = httpx.post(
        f"{emulator.base_url}/v1beta/models/gemini-1.5-flash:generateContent",
        headers=HEADERS,
        json={"contents": [{"parts": [{"text": "Hi"}]}]},
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": 404,
            "message": _not_found("gemini-1.5-flash", "v1beta", "generateContent"),
            "status": "NOT_FOUND",
        }
    }


@pytest.mark.parametrize(
    ("model", "answered_by"),
    [
        ("gemini-3.7-flash", "gemini-3.8-flash"),
        ("gemini-3.5-flash", "gemini-3.6-flash"),
        ("gemini-2.5-flash", "gemini-3.5-flash-lite"),
        ("gemini-flash-latest", "gemini-3.8-flash"),
        ("gemini-3.8-flash", "gemini-3.8-flash"),
    ],
)
def test_a_routed_or_aliased_id_answers_as_its_target_and_model_version_says_which(
    genai_client: genai.Client, tone: types.Part, model: str, answered_by: str
) -> None:
    response = genai_client.models.generate_content(model=model, contents=[tone, "Describe."])
    chunks = list(genai_client.models.generate_content_stream(model=model, contents=[tone, "Describe."]))

    assert response.text and response.model_version == answered_by
    assert chunks and {c.model_version for c in chunks} == {answered_by}


def test_models_get_returns_what_the_sdk_parses(genai_client: genai.Client) -> None:
    model = genai_client.models.get(model="gemini-3.8-flash")

    assert model.name == "models/gemini-3.8-flash" and model.display_name == "Gemini 3.8 Flash"
    assert (model.input_token_limit, model.output_token_limit) == (1_048_576, 65_536)
    assert model.supported_actions is not None and "generateContent" in model.supported_actions
    assert "countTokens" in model.supported_actions and model.thinking is True


def test_models_get_describes_a_routed_id_and_an_alias_by_their_own_names(genai_client: genai.Client) -> None:
    routed = genai_client.models.get(model="models/gemini-3.7-flash")
    alias = genai_client.models.get(model="gemini-flash-latest")

    assert routed.name == "models/gemini-3.7-flash" and "models/gemini-3.8-flash" in (
        routed.description or ""
    )
    assert alias.name == "models/gemini-flash-latest" and alias.output_token_limit == 65_536


def test_models_get_of_a_retired_id_is_404(genai_client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.get(model="gemini-2.0-flash")
    assert caught.value.code == 404


def test_the_transcription_model_is_listed_without_sampling_settings(genai_client: genai.Client) -> None:
    model = genai_client.models.get(model=models.DEFAULT_TRANSCRIBE_MODEL)
    assert model.thinking is False and model.temperature is None and model.output_token_limit is None


def test_models_list_pages_through_every_id_that_answers_and_no_retired_one(
    genai_client: genai.Client,
) -> None:
    pager = genai_client.models.list(config={"page_size": 4})
    first_page = list(pager.page)
    names = [m.name for m in pager]

    expected = {f"models/{m.id}" for m in models.CATALOGUE if m.answers} | {
        f"models/{a}" for a in models.ALIASES
    }
    assert len(first_page) == 4
    assert len(names) == len(set(names)) and set(names) == expected


def test_models_list_defaults_to_pages_of_50_and_refuses_a_token_it_did_not_issue(
    emulator: EmulatorServer,
) -> None:
    base = f"{emulator.base_url}/v1beta/models"
    emulator.state.settings.models = tuple(
        replace(models.CATALOGUE[0], id=f"gemini-test-{i}") for i in range(60)
    )
    emulator.state.settings.aliases = {}

    first = httpx.get(base, headers=HEADERS).json()
    second = httpx.get(base, headers=HEADERS, params={"pageToken": first["nextPageToken"]}).json()
    bad = httpx.get(base, headers=HEADERS, params={"pageToken": "bm90LW91cnM"})

    assert len(first["models"]) == 50 and len(second["models"]) == 10 and "nextPageToken" not in second
    assert bad.status_code == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_a_model_added_to_the_settings_is_served_with_its_own_audio_limit(
    emulator: EmulatorServer, genai_client: genai.Client, make_audio: MakeAudio
) -> None:
    newer = replace(models.CATALOGUE[0], id="gemini-9.9-flash", audio_seconds=1.5)
    emulator.state.settings.models = (*emulator.state.settings.models, newer)
    two_seconds = types.Part.from_bytes(data=make_audio("wav", 2.0).read_bytes(), mime_type="audio/wav")

    assert genai_client.models.count_tokens(model="gemini-9.9-flash", contents=["Hi"]).total_tokens
    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model="gemini-9.9-flash", contents=[two_seconds, "Hi"])
    assert caught.value.code == 400 and "models/gemini-9.9-flash" in str(caught.value.message)


@pytest.mark.parametrize(
    ("model", "thinking", "refused"),
    [
        ("gemini-3.8-flash", types.ThinkingConfig(thinking_level=types.ThinkingLevel.LOW), False),
        ("gemini-3.8-flash", types.ThinkingConfig(thinking_level=types.ThinkingLevel.MINIMAL), True),
        ("gemini-3.6-flash", types.ThinkingConfig(thinking_level=types.ThinkingLevel.MINIMAL), False),
        ("gemini-3.8-flash", types.ThinkingConfig(thinking_budget=1024), False),
        ("gemini-2.5-flash-lite", types.ThinkingConfig(thinking_level=types.ThinkingLevel.HIGH), True),
        ("gemini-2.5-flash-lite", types.ThinkingConfig(thinking_budget=0), False),
    ],
)
def test_thinking_settings_a_model_does_not_take_are_a_400(
    genai_client: genai.Client, tone: types.Part, model: str, thinking: types.ThinkingConfig, refused: bool
) -> None:
    config = types.GenerateContentConfig(thinking_config=thinking)
    if not refused:
        assert genai_client.models.generate_content(model=model, contents=[tone, "Hi"], config=config).text
        return
    with pytest.raises(errors.ClientError) as caught:
        genai_client.models.generate_content(model=model, contents=[tone, "Hi"], config=config)
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert f"models/{model}" in str(caught.value.message)
