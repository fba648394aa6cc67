import pytest

from gemini_audio_tools.audio.formats import FORMATS, describe, file_mime_type, format_for_mime, mime_type_for
from gemini_audio_tools.errors import UnsupportedAudioError


def test_each_format_has_the_mime_type_gemini_documents() -> None:
    assert {fmt: mime_type_for(fmt) for fmt in FORMATS} == {
        "wav": "audio/wav",
        "mp3": "audio/mp3",
        "aiff": "audio/aiff",
        "aac": "audio/aac",
        "ogg": "audio/ogg",
        "flac": "audio/flac",
    }


def test_mime_types_map_back_to_their_format() -> None:
    for fmt in FORMATS:
        assert format_for_mime(mime_type_for(fmt)) == fmt


def test_common_aliases_and_parameters_are_understood() -> None:
    assert format_for_mime("audio/mpeg") == "mp3"
    assert format_for_mime("audio/x-wav") == "wav"
    assert format_for_mime("Audio/FLAC; rate=16000") == "flac"
    assert mime_type_for(".MP3") == "audio/mp3"


def test_formats_gemini_does_not_accept_are_refused_with_the_accepted_list() -> None:
    with pytest.raises(UnsupportedAudioError, match="takes WAV, MP3, AIFF"):
        mime_type_for("m4a")
    with pytest.raises(UnsupportedAudioError, match="audio/mp4"):
        format_for_mime("audio/mp4")


def test_other_kinds_are_described_for_messages_and_keep_their_own_mime_types() -> None:
    assert describe("mp4") == "an MP4 video" and describe("opus") == "an Ogg Opus file"
    assert file_mime_type("m4a") == "audio/mp4" and file_mime_type("mp3") == "audio/mp3"
    assert file_mime_type("something-new") == "application/octet-stream"
    assert describe("xyz") == "a XYZ file"
