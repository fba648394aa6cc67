from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gemini_audio_tools._ops.files import delete_audio_file, list_audio_files, upload_audio
from gemini_audio_tools.backend.client import Backend
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import PathNotAllowedError, RemoteFileNotFoundError
from gemini_audio_tools.schemas import DeleteAudioFileInput, ListAudioFilesInput, UploadAudioInput
from tests.fixtures.audio import MakeAudio


@pytest.fixture
def wav(make_audio: MakeAudio, tmp_path: Path) -> Path:
    target = tmp_path / "tone.wav"
    shutil.copy(make_audio("wav", 6.0), target)
    return target


async def test_upload_audio_returns_an_active_file_with_its_hash_and_duration(
    wav: Path, run_ctx: RunContext
) -> None:
    out = await upload_audio(UploadAudioInput(audio=str(wav)), run_ctx)
    assert out.name.startswith("files/") and out.state == "ACTIVE"
    assert out.duration_seconds == pytest.approx(6.0)
    assert out.sha256 is not None and len(out.sha256) == 64
    assert out.display_name == "tone.wav" and not out.reused
    assert out.range is not None and out.range.method == "whole"
    assert out.expires_at is not None and out.expires_at.endswith("Z")


async def test_uploading_the_same_bytes_again_reuses_the_file_and_sends_nothing(
    wav: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    first = await upload_audio(UploadAudioInput(audio=str(wav)), run_ctx)
    sent = emulator.state.faults.stats.bytes_received["upload.chunk"]
    second = await upload_audio(UploadAudioInput(audio=str(wav)), run_ctx)
    assert second.reused and second.name == first.name
    assert emulator.state.faults.stats.bytes_received["upload.chunk"] == sent


async def test_uploading_a_range_uploads_only_a_clip_of_it(wav: Path, run_ctx: RunContext) -> None:
    out = await upload_audio(UploadAudioInput(audio=str(wav), start="1", end="3.5"), run_ctx)
    assert out.duration_seconds == pytest.approx(2.5, abs=0.01)
    assert out.mime_type == "audio/mp3"  # compact: 16 kHz mono MP3
    assert out.range is not None and out.range.method == "clip"
    assert out.display_name == "tone.wav [0:01–0:03.5]"


async def test_uploading_a_path_outside_the_allowed_dirs_is_refused(
    make_audio: MakeAudio, run_ctx: RunContext, tmp_path: Path
) -> None:
    ctx = RunContext(settings=run_ctx.settings.with_(allowed_dirs=(tmp_path / "only-here",)))
    with pytest.raises(PathNotAllowedError):
        await upload_audio(UploadAudioInput(audio=str(make_audio("wav", 6.0))), ctx)


async def test_list_audio_files_pages_through_uploads(
    make_audio: MakeAudio, tmp_path: Path, run_ctx: RunContext
) -> None:
    names = set()
    for seconds in (1.0, 1.5, 2.0):
        path = tmp_path / f"t{seconds}.wav"
        shutil.copy(make_audio("wav", seconds), path)
        names.add((await upload_audio(UploadAudioInput(audio=str(path)), run_ctx)).name)
    first = await list_audio_files(ListAudioFilesInput(page_size=2), run_ctx)
    assert len(first.files) == 2 and first.next_page_token
    rest = await list_audio_files(ListAudioFilesInput(page_size=2, page_token=first.next_page_token), run_ctx)
    assert {f.name for f in first.files + rest.files} == names
    assert rest.next_page_token is None
    assert all(f.duration_seconds is not None for f in first.files + rest.files)


async def test_delete_removes_the_file_and_its_cache_entry(wav: Path, run_ctx: RunContext) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(wav)), run_ctx)
    out = await delete_audio_file(DeleteAudioFileInput(name=up.name), run_ctx)
    assert out.deleted and out.name == up.name
    assert Backend.from_settings(run_ctx.settings).cache.find_name(up.name) is None
    again = await upload_audio(UploadAudioInput(audio=str(wav)), run_ctx)
    assert not again.reused and again.name != up.name


async def test_deleting_a_missing_file_is_not_an_error(run_ctx: RunContext) -> None:
    out = await delete_audio_file(DeleteAudioFileInput(name="files/doesnotexist"), run_ctx)
    assert out == out.model_copy(update={"name": "files/doesnotexist", "deleted": False})


async def test_upload_audio_of_an_unknown_remote_name_says_to_upload_the_local_file(
    run_ctx: RunContext,
) -> None:
    with pytest.raises(RemoteFileNotFoundError, match="upload_audio"):
        await upload_audio(UploadAudioInput(audio="files/nope123"), run_ctx)


async def test_texts_for_the_model_name_the_file_and_what_to_do_next(
    make_audio: MakeAudio, tmp_path: Path, run_ctx: RunContext
) -> None:
    path = tmp_path / "a.wav"
    shutil.copy(make_audio("wav", 2.0), path)
    ctx = RunContext(settings=run_ctx.settings.with_(wire_format="original"))  # the WAV as it is
    up = await upload_audio(UploadAudioInput(audio=str(path)), ctx)
    again = await upload_audio(UploadAudioInput(audio=str(path)), ctx)
    assert up.to_text().startswith(f"{up.name} (a.wav): audio/wav, 0:02, 64.1 kB, ACTIVE until 20")
    assert again.to_text().endswith("; reused an earlier upload of the same bytes")
    listed = await list_audio_files(ListAudioFilesInput(page_size=1), run_ctx)
    assert listed.to_text().splitlines()[0].startswith(up.name)
    gone = await delete_audio_file(DeleteAudioFileInput(name=up.name), run_ctx)
    assert gone.to_text() == f"Deleted {up.name}."
    again_gone = await delete_audio_file(DeleteAudioFileInput(name=up.name), run_ctx)
    assert "did not exist" in again_gone.to_text()
    assert (await list_audio_files(ListAudioFilesInput(), run_ctx)).to_text() == "No uploaded files."
