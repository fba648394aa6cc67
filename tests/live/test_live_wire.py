"""Issue 12 against the real Gemini API: URL input, an M4A voice memo, the compact wire format and the native
transcription model. Run with ``pytest -m live`` and a key in GEMINI_API_KEY (or GOOGLE_API_KEY); skipped
otherwise. Short audio only (a few cents of tokens).

The URL is served by a local web server that the settings allow (``allowed_hosts``): the library downloads
it, as it does every URL, so the API sees the same inline audio as for a local file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gemini_audio_tools import models
from gemini_audio_tools._ops.transcribe import transcribe_audio
from gemini_audio_tools.config import Settings
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.schemas import TranscribeAudioInput, TranscribeAudioOutput
from tests._formats import speech_m4a
from tests.fixtures.audio import SpeechAudio
from tests.fixtures.web import WebServer

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")),
        reason="needs GEMINI_API_KEY (or GOOGLE_API_KEY) for the real Gemini API",
    ),
]

COMPACT_MB_PER_HOUR = 15.0


@pytest.fixture
def live_settings(tmp_path: Path, speech_wav: SpeechAudio) -> Settings:
    env = {k: v for k, v in os.environ.items() if k != "GOOGLE_GEMINI_BASE_URL"}
    allowed = (tmp_path.resolve(), speech_wav.path.parent.resolve())
    return Settings.from_env(env).with_(allowed_dirs=allowed, cache_dir=tmp_path / "cache")


async def _transcribe(settings: Settings, **arguments: object) -> TranscribeAudioOutput:
    return await transcribe_audio(
        TranscribeAudioInput.model_validate(arguments), RunContext(settings=settings)
    )


def _mb_per_hour(out: TranscribeAudioOutput) -> float:
    assert out.sent is not None
    return out.sent.bytes / (out.range.end_seconds - out.range.start_seconds) * 3600 / 1e6


async def test_live_a_url_is_transcribed_whole_and_by_range(
    live_settings: Settings, web: WebServer, speech_wav: SpeechAudio
) -> None:
    url = web.add("/talk.wav", speech_wav.path.read_bytes(), "audio/wav")
    settings = live_settings.with_(allowed_hosts=(f"127.0.0.1:{web.port}",))
    whole = await _transcribe(settings, audio=url)
    part = await _transcribe(settings, audio=url, start="0", end="4", timestamps=True)
    assert "coffee" in whole.text.lower() and whole.range.method == "whole"
    assert "fox" in part.text.lower() and "coffee" not in part.text.lower()
    assert part.range.method == "clip" and all(0 <= s.start <= s.end <= 4 for s in part.segments)
    assert part.sent is not None and part.sent.via == "inline"


async def test_live_an_m4a_voice_memo_is_converted_and_transcribed_with_a_range(
    live_settings: Settings, speech_wav: SpeechAudio
) -> None:
    memo = speech_m4a(speech_wav)
    out = await _transcribe(live_settings, audio=str(memo), start="4", end="12", timestamps=True)
    assert "monday" in out.text.lower() or "coffee" in out.text.lower(), out.text
    assert out.sent is not None and out.sent.transcoded and out.sent.format == "audio/mp3"
    assert any("converted on this machine" in note for note in out.notes)
    assert all(4 <= s.start <= s.end <= 12 for s in out.segments)
    assert out.usage.audio_tokens in range(8 * 32 - 8, 8 * 32 + 9)


async def test_live_compact_is_heard_like_flac_at_a_fraction_of_the_bytes(
    live_settings: Settings, speech_wav: SpeechAudio
) -> None:
    compact = await _transcribe(live_settings, audio=str(speech_wav.path))
    flac = await _transcribe(live_settings.with_(wire_format="flac"), audio=str(speech_wav.path))
    assert compact.sent is not None and flac.sent is not None
    assert compact.sent.format == "audio/mp3" and flac.sent.format == "audio/flac"
    assert _mb_per_hour(compact) <= COMPACT_MB_PER_HOUR < _mb_per_hour(flac)
    for out in (compact, flac):
        heard = out.text.lower()
        assert all(word in heard for word in ("fox", "monday", "coffee")), out.text


async def test_live_the_native_transcription_model_gives_word_times_and_a_general_model_is_the_fallback(
    live_settings: Settings, speech_wav: SpeechAudio
) -> None:
    native = await _transcribe(live_settings, audio=str(speech_wav.path), end="8", word_timestamps=True)
    assert native.model.startswith(models.DEFAULT_TRANSCRIBE_MODEL), native.model
    assert native.words, "the native model returned no word timestamps"
    starts = [w.start for w in native.words]
    assert starts == sorted(starts) and all(0 <= w.start <= w.end <= 8 for w in native.words)
    assert "fox" in " ".join(w.word.lower() for w in native.words)
    general = await _transcribe(
        live_settings, audio=str(speech_wav.path), end="8", model=models.DEFAULT_GENERAL_MODEL
    )
    assert not general.model.startswith(models.DEFAULT_TRANSCRIBE_MODEL), general.model
    assert "fox" in general.text.lower()
