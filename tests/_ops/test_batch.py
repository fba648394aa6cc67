"""Batch jobs end to end against the emulator (real SDK, real HTTP): plan, upload, submit, collect, cancel,
and the bad inputs an agent or a person will give."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gemini_audio_tools._ops._limits import Limits
from gemini_audio_tools._ops.batch import (
    cancel_audio_batch,
    get_audio_batch,
    job_store,
    submit_audio_batch,
    submit_with,
)
from gemini_audio_tools._ops.transcribe import transcribe_with
from gemini_audio_tools.backend.batches import delete_batch
from gemini_audio_tools.backend.client import Backend
from gemini_audio_tools.batch.jsonl import BatchLimits
from gemini_audio_tools.batch.schemas import (
    CancelAudioBatchInput,
    GetAudioBatchInput,
    GetAudioBatchOutput,
    SubmitAudioBatchInput,
)
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import (
    BatchNotFoundError,
    GeminiAudioError,
    InvalidArgumentError,
    PathNotAllowedError,
)
from gemini_audio_tools.schemas import TranscribeAudioInput
from tests.fixtures.audio import SpeechAudio


def _folder(tmp_path: Path, speech: SpeechAudio, *names: str) -> Path:
    folder = tmp_path / "recordings"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(speech.path, folder / name)
    return folder


async def _get(job: str, ctx: RunContext) -> GetAudioBatchOutput:
    return await get_audio_batch(GetAudioBatchInput(job=job), ctx)


async def test_a_folder_becomes_one_srt_per_file_and_identical_audio_is_uploaded_and_requested_once(
    speech_wav: SpeechAudio,
    long_speech_wav: SpeechAudio,
    run_ctx: RunContext,
    emulator: EmulatorServer,
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path, speech_wav, "a.wav", "same-as-a.wav")
    shutil.copy(long_speech_wav.path, folder / "b.wav")
    out = tmp_path / "out"
    args = SubmitAudioBatchInput(audio=[str(folder / "*.wav")], format="srt", out_dir=str(out))

    submitted = await submit_audio_batch(args, run_ctx)
    status = await _get(submitted.job, run_ctx)

    assert (submitted.files, submitted.requests, submitted.uploads, submitted.batches) == (3, 2, 2, 1)
    assert submitted.estimated_tokens > 0 and submitted.failures == []
    assert emulator.state.faults.stats.requests["batches.create"] == 1
    assert (status.state, status.done, status.failed, status.pending) == ("SUCCEEDED", 3, 0, 0)
    assert sorted(p.name for p in out.iterdir()) == ["a.srt", "b.srt", "same-as-a.srt"]
    assert (out / "a.srt").read_text() == (out / "same-as-a.srt").read_text()
    assert "00:00:00,000 -->" in (out / "b.srt").read_text()
    assert "quick brown fox" in (out / "a.srt").read_text().lower()


async def test_a_chunked_file_is_stitched_exactly_as_interactive_transcription_stitches_it(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, tmp_path: Path
) -> None:
    limits = Limits(transcript_chunk_seconds=15.0, overlap_seconds=2.0)
    args = SubmitAudioBatchInput(audio=[str(long_speech_wav.path)], format="json", timestamps=True)

    submitted = await submit_with(args, run_ctx, BatchLimits(), limits)
    status = await _get(submitted.job, run_ctx)
    interactive = await transcribe_with(
        TranscribeAudioInput(audio=str(long_speech_wav.path), format="json", timestamps=True), run_ctx, limits
    )

    assert submitted.requests == len(interactive.chunks) >= 3
    (result,) = status.files
    assert result.output is not None
    assert Path(result.output).read_text().strip() == interactive.text.strip()


async def test_requests_over_a_batch_limit_fill_several_batches_of_one_job(
    speech_wav: SpeechAudio,
    long_speech_wav: SpeechAudio,
    run_ctx: RunContext,
    emulator: EmulatorServer,
    tmp_path: Path,
) -> None:
    args = SubmitAudioBatchInput(audio=[str(speech_wav.path), str(long_speech_wav.path)])
    submitted = await submit_with(args, run_ctx, BatchLimits(max_requests=1))
    status = await _get(submitted.job, run_ctx)
    assert submitted.batches == 2 == emulator.state.faults.stats.requests["batches.create"]
    assert (status.state, status.done) == ("SUCCEEDED", 2)


async def test_questions_and_descriptions_are_written_as_text_or_json(
    speech_wav: SpeechAudio, run_ctx: RunContext, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    ask = SubmitAudioBatchInput(
        audio=[str(speech_wav.path)], operation="ask", question="What animal is mentioned?", out_dir=str(out)
    )
    asked = await _get((await submit_audio_batch(ask, run_ctx)).job, run_ctx)
    describe = SubmitAudioBatchInput(audio=[str(speech_wav.path)], operation="describe", format="json")
    described = await _get((await submit_audio_batch(describe, run_ctx)).job, run_ctx)

    assert asked.done == 1 and Path(asked.files[0].output or "").suffix == ".txt"
    assert asked.files[0].text and (out / Path(asked.files[0].output or "").name).exists()
    assert described.done == 1 and '"text"' in Path(described.files[0].output or "").read_text()


async def test_submitting_the_same_files_again_resumes_the_job_without_uploading_or_creating(
    speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    args = SubmitAudioBatchInput(audio=[str(speech_wav.path)])
    first = await submit_audio_batch(args, run_ctx)
    stats = emulator.state.faults.stats.requests
    uploads = stats["upload.start"]
    again = await submit_audio_batch(args, run_ctx)
    assert again.job == first.job and again.uploads == 0
    assert stats["upload.start"] == uploads and stats["batches.create"] == 1


async def test_an_interrupted_submission_is_finished_by_submitting_again(
    speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    args = SubmitAudioBatchInput(audio=[str(speech_wav.path)])
    emulator.state.faults.error(500, operation="batches.create", times=None)
    with pytest.raises(GeminiAudioError):
        await submit_audio_batch(args, run_ctx)
    store = job_store(run_ctx.settings)
    (job,) = store.jobs()
    assert (await _get(job.id, run_ctx)).state == "SUBMITTING"
    emulator.state.faults.clear()

    resumed = await submit_audio_batch(args, run_ctx)

    assert resumed.job == job.id and resumed.uploads == 0
    assert emulator.state.faults.stats.requests["upload.start"] == 2  # the audio and the JSONL, once each
    assert (await _get(job.id, run_ctx)).done == 1


async def test_plan_only_estimates_and_sends_nothing(
    speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    args = SubmitAudioBatchInput(
        audio=[str(speech_wav.path)], operation="describe", model="gemini-3.8-flash", plan_only=True
    )
    plan = await submit_audio_batch(args, run_ctx)
    assert plan.state == "PLANNED" and plan.uploads == 0 and plan.requests == 1
    assert plan.estimated_tokens > 12 * 32 and (plan.estimated_price_usd or 0) > 0
    assert emulator.state.store.all() == [] and job_store(run_ctx.settings).jobs() == []


async def test_a_non_audio_file_in_the_set_is_listed_as_failed_and_the_rest_go_on(
    speech_wav: SpeechAudio, run_ctx: RunContext, tmp_path: Path
) -> None:
    folder = _folder(tmp_path, speech_wav, "talk.wav")
    (folder / "notes.txt").write_text("not audio", encoding="utf-8")
    submitted = await submit_audio_batch(SubmitAudioBatchInput(audio=[str(folder)]), run_ctx)
    status = await _get(submitted.job, run_ctx)
    assert [f.file for f in submitted.failures] == [str(folder / "notes.txt")]
    assert "not audio" in submitted.failures[0].error
    assert (status.done, status.failed) == (1, 1)
    assert [f.status for f in status.files] == ["failed", "done"]


async def test_a_request_the_api_failed_fails_its_file_with_the_reason(
    speech_wav: SpeechAudio, long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    emulator.state.faults.error(500, operation="batches.request", message="the model fell over")
    args = SubmitAudioBatchInput(audio=[str(speech_wav.path), str(long_speech_wav.path)])
    status = await _get((await submit_audio_batch(args, run_ctx)).job, run_ctx)
    assert (status.state, status.done, status.failed) == ("SUCCEEDED", 1, 1)
    failed = next(f for f in status.files if f.status == "failed")
    assert "the model fell over" in (failed.error or "")


async def test_results_before_the_job_is_done_are_pending_and_cancelling_fails_them(
    speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer, tmp_path: Path
) -> None:
    emulator.state.settings.batch_pending_seconds = 3600
    out = tmp_path / "out"
    submitted = await submit_audio_batch(
        SubmitAudioBatchInput(audio=[str(speech_wav.path)], out_dir=str(out)), run_ctx
    )
    early = await _get(submitted.job, run_ctx)
    cancelled = await cancel_audio_batch(CancelAudioBatchInput(job=submitted.job), run_ctx)
    after = await _get(submitted.job, run_ctx)

    assert (submitted.state, early.state, early.pending, early.done) == ("PENDING", "PENDING", 1, 0)
    assert not out.exists() or list(out.iterdir()) == []
    assert cancelled.state == "CANCELLED"
    assert (after.state, after.failed) == ("CANCELLED", 1) and "CANCELLED" in (after.files[0].error or "")


async def test_cancelling_a_finished_job_changes_nothing_and_says_so(
    speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    submitted = await submit_audio_batch(SubmitAudioBatchInput(audio=[str(speech_wav.path)]), run_ctx)
    assert (await _get(submitted.job, run_ctx)).state == "SUCCEEDED"
    cancelled = await cancel_audio_batch(CancelAudioBatchInput(job=submitted.job), run_ctx)
    assert cancelled.state == "SUCCEEDED" and "Nothing to cancel" in cancelled.notes[0]
    assert (await _get(submitted.job, run_ctx)).done == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"audio": ["{dir}/*.flac"]}, "matches no file"),
        ({"audio": ["{dir}"], "operation": "ask"}, "needs a question"),
        ({"audio": ["{dir}"], "question": "why?"}, "only for operation='ask'"),
        ({"audio": ["{dir}"], "operation": "describe", "format": "srt"}, "for transcripts"),
        ({"audio": ["{dir}"], "operation": "describe", "speakers": True}, "transcribe' only"),
        ({"audio": ["files/abc"]}, "Files API name"),
    ],
)
async def test_bad_submissions_are_refused_before_anything_is_sent(
    arguments: dict[str, object], message: str, run_ctx: RunContext, emulator: EmulatorServer, tmp_path: Path
) -> None:
    audio = [str(a).format(dir=tmp_path) for a in arguments["audio"]]  # type: ignore[attr-defined]
    args = SubmitAudioBatchInput.model_validate({**arguments, "audio": audio})
    with pytest.raises(InvalidArgumentError, match=message):
        await submit_audio_batch(args, run_ctx)
    assert emulator.state.store.all() == []


async def test_a_set_with_no_audio_at_all_is_refused_with_the_reasons(
    run_ctx: RunContext, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("text", encoding="utf-8")
    with pytest.raises(InvalidArgumentError, match="None of the 1 file"):
        await submit_audio_batch(SubmitAudioBatchInput(audio=[str(tmp_path / "a.txt")]), run_ctx)


async def test_an_out_dir_outside_the_allowed_directories_is_refused(
    speech_wav: SpeechAudio, run_ctx: RunContext
) -> None:
    args = SubmitAudioBatchInput(audio=[str(speech_wav.path)], out_dir="/etc/gemini-audio-out")
    with pytest.raises(PathNotAllowedError, match="outside the allowed"):
        await submit_audio_batch(args, run_ctx)


async def test_an_unknown_job_is_refused_for_status_and_cancel(run_ctx: RunContext) -> None:
    with pytest.raises(BatchNotFoundError, match="No batch job 'job-000000000000'"):
        await _get("job-000000000000", run_ctx)
    with pytest.raises(BatchNotFoundError, match="batch list"):
        await cancel_audio_batch(CancelAudioBatchInput(job="nope"), run_ctx)


async def test_a_file_the_files_api_cannot_process_is_listed_and_the_rest_go_on(
    speech_wav: SpeechAudio, long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    emulator.state.faults.fail_uploads(1, message="cannot process this audio")
    args = SubmitAudioBatchInput(audio=[str(speech_wav.path), str(long_speech_wav.path)])
    submitted = await submit_with(
        args, run_ctx.__class__(settings=run_ctx.settings.with_(max_concurrency=1)), BatchLimits()
    )
    assert [f.file for f in submitted.failures] == [str(speech_wav.path)]
    assert "cannot process this audio" in submitted.failures[0].error
    assert (await _get(submitted.job, run_ctx)).done == 1


async def test_an_api_outage_while_uploading_stops_the_submission_and_submitting_again_includes_every_file(
    speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    emulator.state.faults.error(503, operation="upload.start", times=None)
    args = SubmitAudioBatchInput(audio=[str(speech_wav.path)])
    with pytest.raises(GeminiAudioError):
        await submit_audio_batch(args, run_ctx)
    emulator.state.faults.clear()
    resubmitted = await submit_audio_batch(args, run_ctx)
    assert resubmitted.failures == [] and (await _get(resubmitted.job, run_ctx)).done == 1


async def test_a_long_description_is_asked_per_part_and_the_parts_combined_once(
    long_speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    args = SubmitAudioBatchInput(audio=[str(long_speech_wav.path)], operation="describe", format="json")
    submitted = await submit_with(args, run_ctx, BatchLimits(), Limits(other_chunk_seconds=15.0))
    status = await _get(submitted.job, run_ctx)
    again = await _get(submitted.job, run_ctx)

    assert submitted.requests >= 3 and status.done == 1
    written = Path(status.files[0].output or "").read_text()
    assert "combined by one interactive request" in written and '"chunks"' in written
    assert emulator.state.faults.stats.requests["models.generateContent"] == 1  # combining, once
    assert again.files[0].output == status.files[0].output


async def test_a_job_whose_batch_was_deleted_keeps_the_results_it_fetched_and_fails_the_rest(
    speech_wav: SpeechAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    fetched = await submit_audio_batch(SubmitAudioBatchInput(audio=[str(speech_wav.path)]), run_ctx)
    assert (await _get(fetched.job, run_ctx)).done == 1
    emulator.state.settings.batch_pending_seconds = 3600
    waiting = await submit_audio_batch(
        SubmitAudioBatchInput(audio=[str(speech_wav.path)], format="vtt"), run_ctx
    )
    for job in (fetched.job, waiting.job):
        (part,) = job_store(run_ctx.settings).parts(job)
        await delete_batch(backend, part.batch or "")

    kept, lost = await _get(fetched.job, run_ctx), await _get(waiting.job, run_ctx)
    cancelled = await cancel_audio_batch(CancelAudioBatchInput(job=waiting.job), run_ctx)

    assert (kept.state, kept.done) == ("SUCCEEDED", 1)
    assert (lost.state, lost.failed) == ("FAILED", 1) and "ended FAILED" in (lost.files[0].error or "")
    assert cancelled.state == "FAILED"
