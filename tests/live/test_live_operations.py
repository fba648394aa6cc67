"""The same scenarios as tests/_ops, against the real Gemini API. Run with ``pytest -m live`` and a key in
GEMINI_API_KEY (or GOOGLE_API_KEY); skipped otherwise. Costs a few cents of tokens: short audio only."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gemini_audio_tools._ops.files import delete_audio_file, list_audio_files, upload_audio
from gemini_audio_tools._ops.tokens import count_audio_tokens
from gemini_audio_tools._ops.transcribe import transcribe_audio
from gemini_audio_tools._ops.understanding import ask_about_audio, describe_audio
from gemini_audio_tools.config import Settings
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.errors import AuthenticationError, RemoteFileNotFoundError
from gemini_audio_tools.schemas import (
    AskAboutAudioInput,
    CountAudioTokensInput,
    DeleteAudioFileInput,
    DescribeAudioInput,
    ListAudioFilesInput,
    TranscribeAudioInput,
    UploadAudioInput,
)
from tests.fixtures.audio import SpeechAudio

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")),
        reason="needs GEMINI_API_KEY (or GOOGLE_API_KEY) for the real Gemini API",
    ),
]


@pytest.fixture
def live_ctx(tmp_path: Path) -> RunContext:
    env = {k: v for k, v in os.environ.items() if k != "GOOGLE_GEMINI_BASE_URL"}
    settings = Settings.from_env(env).with_(allowed_dirs=(tmp_path.resolve(),), cache_dir=tmp_path / "cache")
    return RunContext(settings=settings)


@pytest.fixture
def speech(speech_wav: SpeechAudio, tmp_path: Path) -> Path:
    target = tmp_path / "speech.wav"
    shutil.copy(speech_wav.path, target)
    return target


@pytest.fixture
def uploaded(speech: Path, live_ctx: RunContext) -> Iterator[str]:
    import asyncio

    out = asyncio.run(upload_audio(UploadAudioInput(audio=str(speech)), live_ctx))
    yield out.name
    asyncio.run(delete_audio_file(DeleteAudioFileInput(name=out.name), live_ctx))


async def test_live_transcribe_a_clipped_range(speech: Path, live_ctx: RunContext) -> None:
    args = TranscribeAudioInput(audio=str(speech), start="0", end="4", timestamps=True)
    out = await transcribe_audio(args, live_ctx)
    assert "fox" in out.text.lower()
    assert out.range.method == "clip" and all(0 <= s.start <= s.end <= 4 for s in out.segments)
    assert out.usage.audio_tokens in range(120, 140)


async def test_live_describe_and_ask(speech: Path, live_ctx: RunContext) -> None:
    described = await describe_audio(
        DescribeAudioInput(audio=str(speech), focus="a one-line summary"), live_ctx
    )
    assert described.text and described.usage.audio_tokens > 0
    asked = await ask_about_audio(
        AskAboutAudioInput(audio=str(speech), question="What day is the meeting?"), live_ctx
    )
    assert "monday" in asked.answer.lower()


async def test_live_exact_token_count_matches_32_per_second(speech: Path, live_ctx: RunContext) -> None:
    out = await count_audio_tokens(CountAudioTokensInput(audio=str(speech), end="5", exact=True), live_ctx)
    assert out.method == "api" and abs(out.audio_tokens - 160) <= 5


def test_live_upload_is_deduplicated_listed_and_usable(
    uploaded: str, speech: Path, live_ctx: RunContext
) -> None:
    import asyncio

    again = asyncio.run(upload_audio(UploadAudioInput(audio=str(speech)), live_ctx))
    assert again.reused and again.name == uploaded
    listed = asyncio.run(list_audio_files(ListAudioFilesInput(page_size=100), live_ctx))
    assert uploaded in {f.name for f in listed.files}
    out = asyncio.run(transcribe_audio(TranscribeAudioInput(audio=uploaded, start="4", end="8"), live_ctx))
    assert out.range.method == "prompt" and out.notes


async def test_live_unknown_file_and_bad_key(live_ctx: RunContext) -> None:
    with pytest.raises(RemoteFileNotFoundError):
        await describe_audio(DescribeAudioInput(audio="files/doesnotexist000"), live_ctx)
    bad = "AIzaSyD-not-a-valid-key-for-this-test-000"
    with pytest.raises(AuthenticationError) as info:
        await describe_audio(
            DescribeAudioInput(audio="files/abc"), RunContext(live_ctx.settings.with_(api_key=bad))
        )
    assert bad not in str(info.value)
