"""Parsing generateContent / countTokens bodies into prompt texts, media parts and config."""

from __future__ import annotations

import base64

import pytest

from gemini_audio_tools.emulator.contents import parse_request
from gemini_audio_tools.emulator.errors import ApiError


def _body(*parts: dict[str, object], **extra: object) -> dict[str, object]:
    return {"contents": [{"role": "user", "parts": list(parts)}], **extra}


def test_text_parts_are_joined_in_order_with_blank_lines() -> None:
    parsed = parse_request(_body({"text": "one"}, {"text": "two"}))

    assert parsed.prompt == "one\n\ntwo"
    assert parsed.media == []


def test_inline_data_in_url_safe_base64_without_padding_is_decoded() -> None:
    data = bytes(range(250, 256)) * 3
    encoded = base64.urlsafe_b64encode(data).decode().rstrip("=")

    parsed = parse_request(_body({"inlineData": {"mimeType": "Audio/WAV", "data": encoded}}))

    assert parsed.media[0].data == data
    assert parsed.media[0].mime_type == "audio/wav"


def test_file_data_is_resolved_to_a_file_id_from_a_full_uri_or_a_name() -> None:
    parsed = parse_request(
        _body(
            {"fileData": {"fileUri": "http://127.0.0.1:9/v1/files/abc123", "mimeType": "audio/flac"}},
            {"file_data": {"file_uri": "files/xyz"}},
        )
    )

    assert [m.file_id for m in parsed.media] == ["abc123", "xyz"]
    assert [m.index for m in parsed.media] == [0, 1]


def test_system_instruction_and_generation_config_are_read() -> None:
    parsed = parse_request(
        _body(
            {"text": "hi"},
            systemInstruction={"parts": [{"text": "Be brief."}]},
            generationConfig={"maxOutputTokens": 5, "responseMimeType": "application/json"},
        )
    )

    assert parsed.system_instruction == "Be brief."
    assert parsed.config["maxOutputTokens"] == 5


def test_count_tokens_may_wrap_a_whole_generate_request() -> None:
    parsed = parse_request({"generateContentRequest": _body({"text": "hello"})})

    assert parsed.prompt == "hello"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"contents": []},
        {"contents": [{"parts": []}]},
        _body({"inlineData": {"mimeType": "audio/wav", "data": "***"}}),
        _body({"fileData": {"fileUri": "gs://bucket/x.wav"}}),
        _body({"functionCall": {"name": "f"}}),
        _body({"text": "x"}, generationConfig="nope"),
    ],
)
def test_malformed_bodies_are_400_invalid_argument(body: dict[str, object]) -> None:
    with pytest.raises(ApiError) as caught:
        parse_request(body)
    assert caught.value.code == 400


def test_an_external_url_in_file_data_is_a_url_part_to_fetch() -> None:
    parsed = parse_request(
        _body(
            {"fileData": {"fileUri": "https://cdn.example.com/ep1.mp3?sig=x", "mimeType": "Audio/MPEG"}},
            {"fileData": {"fileUri": "http://127.0.0.1:8000/files/talk.mp3"}},
        )
    )

    assert [(m.url, m.file_id, m.mime_type) for m in parsed.media] == [
        ("https://cdn.example.com/ep1.mp3?sig=x", None, "audio/mpeg"),
        ("http://127.0.0.1:8000/files/talk.mp3", None, ""),
    ]


@pytest.mark.parametrize(
    "uri",
    ["https://generativelanguage.googleapis.com/v1beta/files/abc-1", "http://127.0.0.1:9/v1alpha/files/x9"],
)
def test_a_files_api_uri_stays_a_file_reference(uri: str) -> None:
    assert parse_request(_body({"fileData": {"fileUri": uri}})).media[0].file_id == uri.rsplit("/", 1)[1]


@pytest.mark.parametrize("uri", ["http://127.0.0.1:9/v1/files/NOT_AN_ID", "ftp://host/a.mp3", "", "files/"])
def test_malformed_file_uris_are_400(uri: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_request(_body({"fileData": {"fileUri": uri}}))
    assert caught.value.message == f"Invalid or unsupported file uri: {uri}"
