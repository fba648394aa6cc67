from __future__ import annotations

import itertools
import json
import math
import shutil
from pathlib import Path

import pytest

from gemini_audio_tools._ops._limits import Limits
from gemini_audio_tools._ops.files import upload_audio
from gemini_audio_tools._ops.transcribe import transcribe_audio, transcribe_with
from gemini_audio_tools._ops.understanding import ask_about_audio, describe_audio
from gemini_audio_tools.backend.model_choice import choose_model
from gemini_audio_tools.config import Settings
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import (
    InvalidArgumentError,
    InvalidTimeRangeError,
)
from gemini_audio_tools.schemas import (
    AskAboutAudioInput,
    DescribeAudioInput,
    TranscribeAudioInput,
    UploadAudioInput,
)
from gemini_audio_tools.transcript_store import TRANSCRIPTS
from tests.fixtures.audio import SpeechAudio
from tests.fixtures.backend import ProgressLog

GENERAL = "gemini-3.8-flash"
"""A general model: transcripts by prompt (the default is the speech-to-text model)."""


def words(text: str) -> list[str]:
    return ["".join(c for c in w.lower() if c.isalnum()) for w in text.split()]


@pytest.fixture
def speech(speech_wav: SpeechAudio, tmp_path: Path) -> Path:
    target = tmp_path / "speech.wav"
    shutil.copy(speech_wav.path, target)
    return target


async def test_a_whole_file_is_transcribed_as_plain_text(speech: Path, run_ctx: RunContext) -> None:
    out = await transcribe_audio(TranscribeAudioInput(audio=str(speech)), run_ctx)
    assert "lazy dog" in out.text.lower() and "coffee" in out.text.lower()
    assert out.range.method == "whole" and out.range.start_seconds == 0
    assert out.usage.audio_tokens == math.ceil(32 * out.range.end_seconds)
    assert out.chunks == [] and out.next_cursor is None
    assert out.to_text() == out.text


async def test_a_range_is_clipped_billed_alone_and_timed_on_the_files_timeline(
    speech: Path, run_ctx: RunContext
) -> None:
    out = await transcribe_audio(
        TranscribeAudioInput(audio=str(speech), start="4", end="8", timestamps=True), run_ctx
    )
    assert out.range.method == "clip" and (out.range.start_seconds, out.range.end_seconds) == (4.0, 8.0)
    assert out.usage.audio_tokens == 128  # 4 s, not the whole file
    assert out.segments and all(4.0 <= s.start <= s.end <= 8.0 for s in out.segments)
    assert out.text.startswith("[0:0")


async def test_subtitle_and_json_formats_are_rendered_from_the_segments(
    speech: Path, run_ctx: RunContext
) -> None:
    srt = await transcribe_audio(TranscribeAudioInput(audio=str(speech), format="srt"), run_ctx)
    assert srt.text.startswith("1\n00:00:0") and " --> " in srt.text
    vtt = await transcribe_audio(TranscribeAudioInput(audio=str(speech), format="vtt"), run_ctx)
    assert vtt.text.startswith("WEBVTT\n\n00:00:0")
    js = await transcribe_audio(
        TranscribeAudioInput(audio=str(speech), format="json", speakers=True), run_ctx
    )
    data = json.loads(js.text)
    assert data and all({"start", "end", "text"} <= set(d) for d in data)


async def test_a_remote_file_with_a_range_falls_back_to_the_prompt_and_says_so(
    speech: Path, run_ctx: RunContext
) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(speech)), run_ctx)
    speech.unlink()  # only the remote copy is left
    args = TranscribeAudioInput(audio=up.name, start="4", end="8", model=GENERAL)
    out = await transcribe_audio(args, run_ctx)
    assert out.range.method == "prompt"
    assert any("approximate" in note for note in out.notes)
    assert "approximate" in out.to_text()
    assert all(4.0 <= s.start <= s.end <= 8.0 for s in out.segments)


async def test_a_remote_files_range_is_cut_from_the_timed_native_transcript_and_says_so(
    speech: Path, run_ctx: RunContext
) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(speech)), run_ctx)
    speech.unlink()
    out = await transcribe_audio(TranscribeAudioInput(audio=up.name, start="4", end="8"), run_ctx)
    assert out.range.method == "prompt" and out.segments
    assert any("cut to the range by its times" in note for note in out.notes)
    assert all(4.0 <= s.start <= s.end <= 8.0 for s in out.segments)


async def test_long_audio_is_chunked_concurrently_and_stitched_without_duplicates(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, progress_log: ProgressLog
) -> None:
    limits = Limits(transcript_chunk_seconds=15.0, overlap_seconds=2.0)
    out = await transcribe_with(TranscribeAudioInput(audio=str(long_speech_wav.path)), run_ctx, limits)
    assert len(out.chunks) >= 3 and all(c.status == "ok" for c in out.chunks)
    text = words(out.text)
    assert "welcome" in text and "listening" in text
    starts = [s.start for s in out.segments]
    assert starts == sorted(starts)
    assert [c.index for c in out.chunks] == list(range(len(out.chunks)))
    assert any(m and "chunk" in m for _, _, m in progress_log.calls)


async def test_a_chunk_that_fails_for_good_is_reported_not_dropped(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    ctx = RunContext(settings=run_ctx.settings.with_(max_concurrency=1))
    emulator.state.faults.error(400, operation="models.generateContent", message="Bad chunk.")
    limits = Limits(transcript_chunk_seconds=15.0, overlap_seconds=2.0)
    out = await transcribe_with(TranscribeAudioInput(audio=str(long_speech_wav.path)), ctx, limits)
    failed = [c for c in out.chunks if c.status == "failed"]
    assert [c.index for c in failed] == [0] and "Bad chunk" in (failed[0].error or "")
    assert any("Chunk 1" in n and "missing" in n for n in out.notes)
    assert out.segments and out.segments[0].start >= out.chunks[1].start_seconds - 0.001


async def test_when_every_chunk_fails_the_error_is_raised(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    emulator.state.faults.error(400, operation="models.generateContent", times=None, message="Nope.")
    limits = Limits(transcript_chunk_seconds=15.0, overlap_seconds=2.0)
    with pytest.raises(InvalidArgumentError, match="Nope"):
        await transcribe_with(TranscribeAudioInput(audio=str(long_speech_wav.path)), run_ctx, limits)


async def test_a_long_transcript_is_paged_with_a_time_cursor(
    long_speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    limits = Limits(page_chars=300)
    args = TranscribeAudioInput(audio=str(long_speech_wav.path), timestamps=True)
    first = await transcribe_with(args, run_ctx, limits)
    assert first.next_cursor is not None and "cursor=" in first.to_text()
    second = await transcribe_with(args.model_copy(update={"cursor": first.next_cursor}), run_ctx, limits)
    assert second.segments and second.segments[0].start >= first.segments[-1].end - 0.5
    assert second.range.start_seconds > 0


async def test_a_cursor_outside_the_range_is_refused(speech: Path, run_ctx: RunContext) -> None:
    with pytest.raises(InvalidTimeRangeError, match="next_cursor"):
        await transcribe_audio(TranscribeAudioInput(audio=str(speech), end="5", cursor="00:09"), run_ctx)


async def test_a_429_then_success_still_transcribes(
    speech: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    emulator.state.faults.error(429, operation="models.generateContent", retry_after=0.01)
    out = await transcribe_audio(TranscribeAudioInput(audio=str(speech)), run_ctx)
    assert "fox" in out.text.lower()
    assert emulator.state.faults.stats.requests["models.generateContent"] == 2


@pytest.mark.parametrize(("model", "tokens"), [(GENERAL, 120), (None, 40)], ids=["prompted", "native"])
async def test_a_chunk_whose_reply_hits_the_output_limit_is_split_in_halves_and_redone(
    long_speech_wav: SpeechAudio,
    run_ctx: RunContext,
    emulator: EmulatorServer,
    model: str | None,
    tokens: int,
) -> None:
    # 1 token per minute: the planner sends the whole file in one request, whose reply overflows the limit
    limits = Limits(max_output_tokens=tokens, transcript_tokens_per_minute=1.0)
    args = TranscribeAudioInput(audio=str(long_speech_wav.path), model=model)
    out = await transcribe_with(args, run_ctx, limits)
    assert out.chunks == [] and any("split" in n for n in out.notes)
    assert not any("missing" in n for n in out.notes)
    assert emulator.state.faults.stats.requests["models.generateContent"] >= 3
    text = words(out.text)
    assert text[:4] == ["good", "morning", "and", "welcome"] and "listening" in text
    starts = [s.start for s in out.segments]
    assert all(a < b for a, b in itertools.pairwise(starts))


async def test_a_reply_still_cut_at_the_deepest_split_reports_the_missing_span(
    long_speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    limits = Limits(max_output_tokens=60, transcript_tokens_per_minute=1.0, max_split_depth=0)
    args = TranscribeAudioInput(audio=str(long_speech_wav.path), model=GENERAL)
    out = await transcribe_with(args, run_ctx, limits)
    gap = [n for n in out.notes if "is missing" in n and "output limit" in n]
    assert out.segments and len(gap) == 1 and "start=" in gap[0] and "end=" in gap[0]


async def test_the_output_token_budget_sets_the_chunk_length(
    long_speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    limits = Limits(max_output_tokens=200, transcript_tokens_per_minute=600.0)  # 200*0.8/600 min = 16 s
    assert limits.transcript_chunk_limit(choose_model(GENERAL, Settings(), "general")) == pytest.approx(16.0)
    args = TranscribeAudioInput(audio=str(long_speech_wav.path), model=GENERAL)
    out = await transcribe_with(args, run_ctx, limits)
    assert len(out.chunks) == math.ceil(out.range.end_seconds / (16.0 - 4.0))
    assert all(c.end_seconds - c.start_seconds <= 16.0 + 1e-6 for c in out.chunks)
    assert "listening" in words(out.text)


def test_no_request_ever_carries_more_than_nine_and_a_half_hours() -> None:
    limits = Limits(transcript_chunk_seconds=20 * 3600, transcript_tokens_per_minute=0.01)
    assert limits.transcript_chunk_limit(choose_model(GENERAL, Settings(), "general")) == (9.5 * 3600)


def test_the_speech_to_text_model_takes_an_hour_a_request_or_half_with_times() -> None:
    native = choose_model(None, Settings(), "transcribe")
    limits = Limits(transcript_chunk_seconds=20 * 3600)
    assert limits.transcript_chunk_limit(native, timed=False) == 3600.0
    assert limits.transcript_chunk_limit(native) == 1800.0


async def test_a_cursor_into_a_remote_file_continues_by_prompt(speech: Path, run_ctx: RunContext) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(speech)), run_ctx)
    out = await transcribe_audio(TranscribeAudioInput(audio=up.name, cursor="00:06"), run_ctx)
    assert out.range.method == "prompt" and out.range.start_seconds == 6.0
    assert out.segments and all(s.start >= 6.0 for s in out.segments)


async def test_a_remote_file_whose_local_original_is_unchanged_is_cut_locally(
    speech: Path, run_ctx: RunContext
) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(speech)), run_ctx)
    out = await transcribe_audio(TranscribeAudioInput(audio=up.name, start="4", end="8"), run_ctx)
    assert out.range.method == "clip" and out.usage.audio_tokens == 128 and not out.notes


async def test_a_changed_local_original_is_not_trusted(speech: Path, run_ctx: RunContext) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(speech)), run_ctx)
    data = bytearray(speech.read_bytes())
    data[-1] ^= 1  # same size, different bytes
    speech.write_bytes(bytes(data))
    out = await describe_audio(DescribeAudioInput(audio=up.name, start="4", end="8"), run_ctx)
    assert out.range.method == "prompt"


async def test_pages_continue_from_the_kept_transcript_without_new_requests(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    limits = Limits(page_chars=400, transcript_chunk_seconds=15.0, overlap_seconds=2.0)
    args = TranscribeAudioInput(audio=str(long_speech_wav.path), timestamps=True)
    first = await transcribe_with(args, run_ctx, limits)
    requests = emulator.state.faults.stats.requests["models.generateContent"]
    assert first.next_cursor and first.transcript_uri and first.transcript_uri in first.to_text()
    stored = TRANSCRIPTS.get(first.transcript_uri)
    assert stored is not None and stored.output.next_cursor is None
    pages, page = [first], first
    while page.next_cursor is not None:
        page = await transcribe_with(args.model_copy(update={"cursor": page.next_cursor}), run_ctx, limits)
        pages.append(page)
        assert page.usage.total_tokens == 0 and any("nothing was sent" in n for n in page.notes)
    assert len(pages) >= 3
    assert emulator.state.faults.stats.requests["models.generateContent"] == requests
    assert [s for p in pages for s in p.segments] == stored.output.segments
    assert "welcome" in words(stored.output.text) and "listening" in words(stored.output.text)


async def test_a_cursor_with_no_kept_transcript_transcribes_from_the_cursor(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    args = TranscribeAudioInput(audio=str(long_speech_wav.path), cursor="00:20")
    TRANSCRIPTS.clear()  # e.g. a new CLI process
    out = await transcribe_with(args, run_ctx, Limits())
    assert out.range.start_seconds == 20.0 and out.usage.audio_tokens == math.ceil(
        32 * (out.range.end_seconds - 20)
    )
    assert out.segments and all(s.start >= 20.0 for s in out.segments) and "listening" in words(out.text)


@pytest.mark.parametrize("operation", ["transcribe", "describe", "ask"])
async def test_a_bad_range_is_reported_before_a_missing_key(
    operation: str, speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    keyless = RunContext(settings=run_ctx.settings.with_(api_key=None, base_url=None))
    audio = str(speech_wav.path)
    calls = {
        "transcribe": lambda: transcribe_audio(TranscribeAudioInput(audio=audio, end="99:00"), keyless),
        "describe": lambda: describe_audio(DescribeAudioInput(audio=audio, end="99:00"), keyless),
        "ask": lambda: ask_about_audio(AskAboutAudioInput(audio=audio, end="99:00", question="?"), keyless),
    }
    with pytest.raises(InvalidTimeRangeError, match="past the end of the audio"):
        await calls[operation]()
