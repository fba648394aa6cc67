from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gemini_audio_tools._ops.files import upload_audio
from gemini_audio_tools._ops.tokens import count_audio_tokens
from gemini_audio_tools.config import Settings
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import InvalidTimeRangeError, RemoteFileNotFoundError
from gemini_audio_tools.schemas import CountAudioTokensInput, UploadAudioInput
from tests.fixtures.audio import MakeAudio


@pytest.fixture
def wav(make_audio: MakeAudio, tmp_path: Path) -> Path:
    target = tmp_path / "tone.wav"
    shutil.copy(make_audio("wav", 10.0), target)
    return target


async def test_the_estimate_is_free_and_offline(wav: Path, tmp_path: Path, emulator: EmulatorServer) -> None:
    ctx = RunContext(settings=Settings(api_key=None, allowed_dirs=(tmp_path,), cache_dir=tmp_path / "c"))
    out = await count_audio_tokens(CountAudioTokensInput(audio=str(wav), prompt="Summarize this."), ctx)
    assert (out.audio_seconds, out.audio_tokens, out.prompt_tokens) == (10.0, 320, 4)
    assert out.total_tokens == 324 and out.method == "estimate"
    assert sum(emulator.state.faults.stats.requests.values()) == 0


async def test_the_estimate_of_a_range_counts_only_the_range(wav: Path, run_ctx: RunContext) -> None:
    out = await count_audio_tokens(CountAudioTokensInput(audio=str(wav), start="2", end="00:04.5"), run_ctx)
    assert out.audio_seconds == 2.5 and out.audio_tokens == 80
    assert out.range is not None and out.range.method == "clip"


async def test_exact_counts_come_from_count_tokens(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    out = await count_audio_tokens(
        CountAudioTokensInput(audio=str(wav), start="1", end="4", prompt="Hi", exact=True), run_ctx
    )
    assert out.method == "api" and out.audio_tokens == 96 and out.audio_seconds == 3.0
    assert out.prompt_tokens > 0 and out.total_tokens == out.audio_tokens + out.prompt_tokens
    assert emulator.state.faults.stats.requests["models.countTokens"] == 2


async def test_a_remote_file_is_counted_whole_because_the_whole_file_is_billed(
    wav: Path, run_ctx: RunContext
) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(wav)), run_ctx)
    wav.unlink()  # no local original to cut the range from: the model hears (and bills) the whole file
    out = await count_audio_tokens(CountAudioTokensInput(audio=up.name, start="1", end="2"), run_ctx)
    assert out.audio_tokens == 320 and out.method == "estimate"
    assert out.range is not None and out.range.method == "prompt"
    exact = await count_audio_tokens(CountAudioTokensInput(audio=up.uri, exact=True), run_ctx)
    assert exact.audio_tokens == 320 and exact.method == "api" and exact.audio_seconds == 10.0


async def test_a_range_of_an_uploaded_file_whose_original_is_here_is_counted_as_the_clip_sent(
    wav: Path, run_ctx: RunContext
) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(wav)), run_ctx)
    out = await count_audio_tokens(CountAudioTokensInput(audio=up.name, start="1", end="2"), run_ctx)
    assert out.audio_tokens == 32 and out.range is not None and out.range.method == "clip"


async def test_a_range_past_the_end_is_refused_with_the_real_length(wav: Path, run_ctx: RunContext) -> None:
    with pytest.raises(InvalidTimeRangeError):
        await count_audio_tokens(CountAudioTokensInput(audio=str(wav), start="5", end="20"), run_ctx)


async def test_an_unknown_remote_file_is_reported(run_ctx: RunContext) -> None:
    with pytest.raises(RemoteFileNotFoundError):
        await count_audio_tokens(CountAudioTokensInput(audio="files/unknown1"), run_ctx)


async def test_the_text_for_the_model_sums_up_the_count(wav: Path, run_ctx: RunContext) -> None:
    out = await count_audio_tokens(CountAudioTokensInput(audio=str(wav), prompt="Summarize this."), run_ctx)
    assert (
        out.to_text()
        == "320 audio tokens (10.0 s) + 4 prompt tokens = 324 tokens for gemini-flash-latest (estimate)"
    )


async def test_a_large_pcm_file_is_sent_as_compact_flac_inline_instead_of_uploaded(
    make_audio: MakeAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    big = make_audio("wav", 100.0, channels=2, rate=44100)  # 17.6 MB: too big to go inline as it is
    out = await count_audio_tokens(CountAudioTokensInput(audio=str(big), exact=True), run_ctx)
    assert out.audio_tokens == 3200 and out.range is not None and out.range.method == "whole"
    assert emulator.state.faults.stats.requests["upload.start"] == 0
