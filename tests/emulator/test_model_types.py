from __future__ import annotations

import hashlib

from gemini_audio_tools.emulator.model import default_model
from gemini_audio_tools.emulator.model_types import AudioInput
from tests.fixtures.audio import MakeAudio


def test_a_stored_file_is_measured_from_its_path_like_the_same_bytes_inline(make_audio: MakeAudio) -> None:
    path = make_audio("flac", 3.0)
    by_path = AudioInput(b"", "audio/flac", path=path)
    inline = AudioInput(path.read_bytes(), "audio/flac")
    assert by_path.digest() == inline.digest() == hashlib.sha256(path.read_bytes()).hexdigest()
    assert default_model().count_audio(by_path) == default_model().count_audio(inline)


def test_different_stored_files_have_different_digests(make_audio: MakeAudio) -> None:
    first, second = make_audio("wav", 1.0), make_audio("wav", 2.0)
    digests = {AudioInput(b"", "audio/wav", path=p).digest() for p in (first, second)}
    assert len(digests) == 2
    assert AudioInput(b"", "audio/wav", path=first, sha256="ab" * 32).digest() == "ab" * 32
