from __future__ import annotations

import itertools
import json
import math
import shutil
from pathlib import Path

import pytest

from gemini_audio_tools._ops.files import delete_audio_file, upload_audio
from gemini_audio_tools._ops.understanding import (
    Limits,
    ask_about_audio,
    ask_with,
    describe_audio,
    describe_with,
    transcribe_audio,
    transcribe_with,
)
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import (
    AuthenticationError,
    InvalidArgumentError,
    InvalidTimeRangeError,
    RemoteFileNotFoundError,
)
from gemini_audio_tools.schemas import (
    AskAboutAudioInput,
    DeleteAudioFileInput,
    DescribeAudioInput,
    TranscribeAudioInput,
    UploadAudioInput,
)
from gemini_audio_tools.transcript_store import TRANSCRIPTS
from tests.fixtures.audio import SpeechAudio
from tests.fixtures.backend import ProgressLog


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
    out = await transcribe_audio(TranscribeAudioInput(audio=up.name, start="4", end="8"), run_ctx)
    assert out.range.method == "prompt"
    assert any("approximate" in note for note in out.notes)
    assert "approximate" in out.to_text()
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
        if calls == 2:  # both parts are done: the next request is the reduce
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


async def test_a_chunk_whose_reply_hits_the_output_limit_is_split_in_halves_and_redone(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    # 1 token per minute: the planner sends the whole file in one request, whose reply overflows 120 tokens
    limits = Limits(max_output_tokens=120, transcript_tokens_per_minute=1.0)
    out = await transcribe_with(TranscribeAudioInput(audio=str(long_speech_wav.path)), run_ctx, limits)
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
    args = TranscribeAudioInput(audio=str(long_speech_wav.path))
    out = await transcribe_with(args, run_ctx, limits)
    gap = [n for n in out.notes if "is missing" in n and "output limit" in n]
    assert out.segments and len(gap) == 1 and "start=" in gap[0] and "end=" in gap[0]


async def test_the_output_token_budget_sets_the_chunk_length(
    long_speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    limits = Limits(max_output_tokens=200, transcript_tokens_per_minute=600.0)  # 200*0.8/600 min = 16 s
    assert limits.transcript_chunk_limit() == pytest.approx(16.0)
    out = await transcribe_with(TranscribeAudioInput(audio=str(long_speech_wav.path)), run_ctx, limits)
    assert len(out.chunks) == math.ceil(out.range.end_seconds / (16.0 - 4.0))
    assert all(c.end_seconds - c.start_seconds <= 16.0 + 1e-6 for c in out.chunks)
    assert "listening" in words(out.text)


def test_no_request_ever_carries_more_than_nine_and_a_half_hours() -> None:
    assert Limits(
        transcript_chunk_seconds=20 * 3600, transcript_tokens_per_minute=0.01
    ).transcript_chunk_limit() == (9.5 * 3600)


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
