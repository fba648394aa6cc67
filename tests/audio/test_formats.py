import pytest

from gemini_audio_tools.audio.formats import FORMATS, format_for_mime, mime_type_for
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
    with pytest.raises(UnsupportedAudioError, match="WAV, MP3, AIFF"):
        mime_type_for("m4a")
    with pytest.raises(UnsupportedAudioError, match="audio/mp4"):
        format_for_mime("audio/mp4")
