"""``gemini-audio demo``: the scripted tour works with no key, shows every step, and leaves nothing behind."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from gemini_audio_tools.config import Settings
from gemini_audio_tools.demo import SAMPLE, _Tour, run_demo
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.schemas import DeleteAudioFileOutput, TranscribeAudioOutput, UploadAudioOutput
from tests.fixtures.emulator import TEST_API_KEY


def test_the_bundled_sample_is_small_speech_audio() -> None:
    assert SAMPLE.is_file() and SAMPLE.stat().st_size < 150_000


@pytest.mark.slow  # loads its own emulator's recognizer (about 5 s)
def test_with_no_key_the_tour_runs_every_step_on_an_embedded_emulator(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper", reason="the emulator's recognizer is the [emulator] extra")
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(api_key=None, allowed_dirs=(tmp_path,), cache_dir=tmp_path)
    code = run_demo(settings, use_emulator=False, out=out, err=err)
    text = out.getvalue()
    assert code == 0, text + err.getvalue()
    assert "embedded offline Gemini emulator" in text
    for command in (
        "inspect",
        "count-tokens",
        "upload",
        "transcribe",
        "describe files/",
        "ask",
        "list",
        "delete",
    ):
        assert f"$ gemini-audio {command}" in text
    assert "error:" not in text
    assert "bring the report to the meeting" in text.lower()


def test_with_a_key_the_tour_uses_the_configured_api_and_deletes_its_upload(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(api_key=TEST_API_KEY, base_url=emulator.base_url, cache_dir=tmp_path)
    code = run_demo(settings, use_emulator=False, out=out, err=err)
    assert code == 0, out.getvalue() + err.getvalue()
    assert f"on the Gemini API ({emulator.base_url})" in out.getvalue()
    assert emulator.state.store.all() == []  # the uploaded file was deleted at the end


def test_a_failing_step_is_shown_and_fails_the_tour_but_the_upload_is_still_deleted(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    emulator.state.faults.error(400, operation="models.*")
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(api_key=TEST_API_KEY, base_url=emulator.base_url, cache_dir=tmp_path, max_retries=0)
    code = run_demo(settings, use_emulator=False, out=out, err=err)
    assert code == 1
    assert "error:" in out.getvalue() and "transcribe_audio" in err.getvalue()
    assert emulator.state.store.all() == []


def test_the_tour_reuses_its_upload_uses_the_remote_copy_and_deletes_it(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    settings = Settings(
        api_key=TEST_API_KEY, base_url=emulator.base_url, cache_dir=tmp_path, allowed_dirs=(SAMPLE.parent,)
    )
    pytest.importorskip("faster_whisper", reason="the emulator's recognizer is the [emulator] extra")
    tour = _Tour(settings=settings, out=io.StringIO(), sample=str(SAMPLE))
    asyncio.run(tour.run())
    assert tour.failures == []
    assert [name for name, _ in tour.outputs] == [
        "inspect_audio",
        "count_audio_tokens",
        "upload_audio",
        "upload_audio",
        "transcribe_audio",
        "transcribe_audio",
        "describe_audio",
        "ask_about_audio",
        "list_audio_files",
        "delete_audio_file",
    ]
    first, again, ranged, deleted = (tour.outputs[i][1] for i in (2, 3, 5, 9))
    assert isinstance(first, UploadAudioOutput) and isinstance(again, UploadAudioOutput)
    assert (first.reused, again.reused) == (False, True)
    assert first.name == again.name == tour.uploaded
    assert isinstance(ranged, TranscribeAudioOutput)
    assert ranged.range.start_seconds == 7.5 and ranged.segments
    assert isinstance(deleted, DeleteAudioFileOutput) and deleted.deleted


def test_with_no_connection_the_tour_stops_at_the_first_step_that_cannot_connect(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    out, err = io.StringIO(), io.StringIO()
    settings = Settings(
        api_key=TEST_API_KEY,
        base_url=f"http://127.0.0.1:{closed}",
        allowed_dirs=(tmp_path,),
        cache_dir=tmp_path,
        retry_base_delay_seconds=0.0,
        upload_adopt_grace_seconds=0.0,
    )
    code = run_demo(settings, use_emulator=False, out=out, err=err)
    text = out.getvalue()
    assert code == 1
    assert text.count("Cannot connect") == 1  # the first remote step says it, the rest are not attempted
    assert "== 3. Upload it to the Files API ==" in text and "== 4." not in text
