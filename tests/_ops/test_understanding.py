from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest

from gemini_audio_tools._ops._limits import Limits
from gemini_audio_tools._ops.files import delete_audio_file, upload_audio
from gemini_audio_tools._ops.transcribe import transcribe_audio
from gemini_audio_tools._ops.understanding import ask_about_audio, ask_with, describe_audio, describe_with
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import (
    AuthenticationError,
    InvalidArgumentError,
    RemoteFileNotFoundError,
)
from gemini_audio_tools.schemas import (
    AskAboutAudioInput,
    DeleteAudioFileInput,
    DescribeAudioInput,
    TranscribeAudioInput,
    UploadAudioInput,
)
from gemini_audio_tools.timecode import parse_timecode
from tests.fixtures.audio import SpeechAudio


def words(text: str) -> list[str]:
    return ["".join(c for c in w.lower() if c.isalnum()) for w in text.split()]


@pytest.fixture
def speech(speech_wav: SpeechAudio, tmp_path: Path) -> Path:
    target = tmp_path / "speech.wav"
    shutil.copy(speech_wav.path, target)
    return target


async def test_describe_audio_uses_the_focus(speech: Path, run_ctx: RunContext) -> None:
    out = await describe_audio(DescribeAudioInput(audio=str(speech), focus="speakers"), run_ctx)
    assert out.text and out.range.method == "whole" and out.usage.audio_tokens > 0
    assert out.to_text().startswith(out.text)


async def test_ask_about_a_range_sends_only_the_range(speech: Path, run_ctx: RunContext) -> None:
    out = await ask_about_audio(
        AskAboutAudioInput(audio=str(speech), start="0", end="3", question="Is anyone speaking?"), run_ctx
    )
    assert out.answer and out.range.method == "clip" and out.usage.audio_tokens == 96


async def test_a_deleted_remote_file_is_reported_with_what_to_do(speech: Path, run_ctx: RunContext) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(speech)), run_ctx)
    await delete_audio_file(DeleteAudioFileInput(name=up.name), run_ctx)
    with pytest.raises(RemoteFileNotFoundError, match="upload_audio"):
        await describe_audio(DescribeAudioInput(audio=up.name), run_ctx)


async def test_a_rejected_key_fails_with_an_authentication_error_without_the_key(
    speech: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    key = "AIzaSyZZ-revoked-key-never-shown-0000000"
    emulator.state.settings.invalid_api_keys = frozenset({key})
    ctx = RunContext(settings=run_ctx.settings.with_(api_key=key))
    with pytest.raises(AuthenticationError) as info:
        await ask_about_audio(AskAboutAudioInput(audio=str(speech), question="What is said?"), ctx)
    assert key not in str(info.value)


async def test_audio_too_long_for_one_request_is_described_by_map_reduce(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    out = await describe_with(
        DescribeAudioInput(audio=str(long_speech_wav.path)), run_ctx, Limits(other_chunk_seconds=20.0)
    )
    assert len(out.chunks) == 2 and all(c.status == "ok" for c in out.chunks)
    # two map requests with audio, one reduce request with the two partial texts only
    assert emulator.state.faults.stats.requests["models.generateContent"] == 3
    assert "combining the text it was given" in out.text and "part 1 of 2" not in out.text
    text = words(out.text)  # both parts' descriptions (quoting their speech) reached the final text
    assert "welcome" in text and "listening" in text
    assert any("2 parts" in n for n in out.notes)
    # no overlap for descriptions: each part billed once (a token of rounding per part)
    assert 0 <= out.usage.audio_tokens - math.ceil(32 * out.range.end_seconds) < len(out.chunks)


async def test_a_question_over_long_audio_is_asked_per_part_then_combined(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    args = AskAboutAudioInput(audio=str(long_speech_wav.path), question="Is anyone speaking?")
    out = await ask_with(args, run_ctx, Limits(other_chunk_seconds=20.0))
    assert len(out.chunks) == 2 and out.answer
    assert emulator.state.faults.stats.requests["models.generateContent"] == 3


async def test_when_combining_fails_the_parts_are_returned_with_a_note(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    ctx = RunContext(settings=run_ctx.settings.with_(max_concurrency=1))
    args = DescribeAudioInput(audio=str(long_speech_wav.path))
    calls = 0

    async def fail_the_reduce(
        progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # started, then both parts done: the next request is the reduce
            emulator.state.faults.error(400, operation="models.generateContent", message="No combining.")

    ctx.progress = fail_the_reduce
    out = await describe_with(args, ctx, Limits(other_chunk_seconds=20.0))
    assert out.text.startswith("[0:00–") and "\n\n[0:" in out.text
    assert any("Combining the 2 parts failed" in n and "No combining" in n for n in out.notes)


async def test_a_remote_file_too_long_for_one_request_asks_for_the_local_path(
    long_speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(long_speech_wav.path)), run_ctx)
    with pytest.raises(InvalidArgumentError, match="local file path"):
        await describe_with(DescribeAudioInput(audio=up.name), run_ctx, Limits(other_chunk_seconds=20.0))


@pytest.fixture
def past_a_minute(speech_past_a_minute: Path) -> Path:
    """Speech whose coffee sentence lies in 1:00-1:30 (asserted against the transcript where it matters)."""
    return speech_past_a_minute


async def test_ask_about_a_range_past_a_minute_answers_on_the_recordings_timeline(
    past_a_minute: Path, run_ctx: RunContext
) -> None:
    pytest.importorskip("faster_whisper")
    whole = await transcribe_audio(TranscribeAudioInput(audio=str(past_a_minute), timestamps=True), run_ctx)
    said = next(s for s in whole.segments if "coffee" in s.text.lower())
    assert 60.0 < said.start < 90.0

    out = await ask_about_audio(
        AskAboutAudioInput(
            audio=str(past_a_minute),
            start="1:00",
            end="1:30",
            question="Does the speaker mention the coffee?",
        ),
        run_ctx,
    )
    (code,) = re.findall(r"\bat (\d\d:\d\d\.\d{3})", out.answer)
    assert code.startswith("01:")  # the clip's own timeline would say 00:1x
    assert abs(parse_timecode(code) - said.start) < 1.0  # where the transcript has the same sentence
    assert out.range.start_seconds == 60.0
    assert any("recording's timeline" in n and "1:00" in n for n in out.notes)


async def test_describe_a_range_past_a_minute_gives_its_spans_on_the_recordings_timeline(
    past_a_minute: Path, run_ctx: RunContext
) -> None:
    out = await describe_audio(
        DescribeAudioInput(audio=str(past_a_minute), start="1:00", end="1:30"), run_ctx
    )
    assert "the part 01:00.000–01:30.000 of the recording" in out.text
    spans = re.findall(r"(\d\d):(\d\d\.\d{3})–(\d\d):(\d\d\.\d{3})", out.text.split("Sound in", 1)[1])
    assert spans and all(60.0 <= int(m) * 60 + float(s) <= 90.0 for m, s, _, _ in spans)


async def test_a_whole_file_gets_no_timeline_note(speech: Path, run_ctx: RunContext) -> None:
    out = await describe_audio(DescribeAudioInput(audio=str(speech)), run_ctx)
    assert not any("timeline" in n for n in out.notes)


async def test_each_part_of_long_audio_is_described_on_the_recordings_timeline(
    past_a_minute: Path, run_ctx: RunContext
) -> None:
    out = await describe_with(
        DescribeAudioInput(audio=str(past_a_minute)), run_ctx, Limits(other_chunk_seconds=50.0)
    )
    assert len(out.chunks) >= 2
    later = [c.start_seconds for c in out.chunks if c.start_seconds > 0]
    placed = re.findall(r"the part (\d\d):(\d\d\.\d{3})–", out.text)
    assert [round(int(m) * 60 + float(s), 1) for m, s in placed] == [round(s, 1) for s in later]
