import pytest

from gemini_audio_tools.audio.formats import FORMATS, describe, file_mime_type, mime_type_for
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


def test_a_format_name_may_carry_a_dot_and_any_case() -> None:
    assert mime_type_for(".MP3") == "audio/mp3"


def test_formats_gemini_does_not_accept_are_refused_with_the_accepted_list() -> None:
    with pytest.raises(UnsupportedAudioError, match="takes WAV, MP3, AIFF"):
        mime_type_for("m4a")


def test_other_kinds_are_described_for_messages_and_keep_their_own_mime_types() -> None:
    assert describe("mp4") == "an MP4 video" and describe("opus") == "an Ogg Opus file"
    assert file_mime_type("m4a") == "audio/mp4" and file_mime_type("mp3") == "audio/mp3"
    assert file_mime_type("something-new") == "application/octet-stream"
    assert describe("xyz") == "a XYZ file"
