"""``gemini-audio batch``: a folder of recordings to one SRT each, a job followed from other processes, and
the errors a person will meet (exit 2 for their mistakes, 1 for a job not finished or files missing)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gemini_audio_tools.cli import run
from gemini_audio_tools.emulator.server import EmulatorServer
from tests.fixtures.audio import MakeAudio, SpeechAudio
from tests.fixtures.emulator import TEST_API_KEY


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def recordings(tmp_path: Path, make_audio: MakeAudio, speech_wav: SpeechAudio) -> Path:
    folder = tmp_path / "recordings"
    folder.mkdir()
    shutil.copy(make_audio("mp3", None, kind="speech"), folder / "monday.mp3")
    shutil.copy(make_audio("mp3", None, kind="speech", text="Tuesday is a good day."), folder / "tuesday.mp3")
    return folder


@pytest.fixture
def batch_env(
    emulator_env: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> EmulatorServer:
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GEMINI_AUDIO_ALLOWED_DIRS", raising=False)
    return emulator_env


def test_a_folder_of_mp3s_becomes_one_srt_each_with_wait(
    batch_env: EmulatorServer, recordings: Path, tmp_path: Path
) -> None:
    files = sorted(str(p) for p in recordings.glob("*.mp3"))  # as the shell expands DIR/*.mp3
    out = tmp_path / "OUT"
    code, stdout, stderr = cli(
        "batch", "submit", *files, "--operation", "transcribe", "--format", "srt", "--out", str(out), "--wait"
    )
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == ["monday.srt", "tuesday.srt"]
    assert "-->" in (out / "tuesday.srt").read_text() and "good day" in (out / "tuesday.srt").read_text()
    assert stdout.split() == [str(out / "monday.srt"), str(out / "tuesday.srt")]


def _process(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "gemini_audio_tools.cli", *argv]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_a_job_submitted_by_one_process_is_followed_and_collected_by_others(
    emulator: EmulatorServer, recordings: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GOOGLE_"))}
    env |= {"GOOGLE_GEMINI_BASE_URL": emulator.base_url, "GEMINI_API_KEY": TEST_API_KEY}
    env["GEMINI_AUDIO_CACHE_DIR"] = str(tmp_path / "cache")
    pattern = str(recordings / "*.mp3")  # quoted: the batch expands it

    submitted = _process("batch", "submit", pattern, "--format", "vtt", env=env)
    assert submitted.returncode == 0, submitted.stderr
    job = submitted.stdout.split()[1].rstrip(":")
    listed = _process("batch", "list", env=env)
    collected = _process("batch", "results", job, "--out", str(tmp_path / "later"), env=env)

    assert job.startswith("job-") and job in listed.stdout
    assert collected.returncode == 0, collected.stderr
    assert sorted(p.name for p in (tmp_path / "later").iterdir()) == ["monday.vtt", "tuesday.vtt"]
    assert (tmp_path / "later" / "monday.vtt").read_text().startswith("WEBVTT")


def test_results_of_a_job_not_yet_done_exit_1_and_say_so(
    batch_env: EmulatorServer, recordings: Path, tmp_path: Path
) -> None:
    batch_env.state.settings.batch_pending_seconds = 3600
    code, stdout, _ = cli("batch", "submit", str(recordings / "monday.mp3"))
    job = stdout.split()[1].rstrip(":")
    code, _, stderr = cli("batch", "results", job)
    assert code == 1 and f"{job} is PENDING; run this again once it has ended" in stderr
    code, stdout, _ = cli("batch", "status", job)
    assert code == 0 and "PENDING" in stdout and "pending  " in stdout
    code, stdout, _ = cli("batch", "cancel", job)
    assert code == 0 and "CANCELLED" in stdout


def test_mistakes_exit_2_with_a_message_and_no_traceback(batch_env: EmulatorServer, tmp_path: Path) -> None:
    code, _, stderr = cli("batch", "submit", str(tmp_path / "*.mp3"), "--out", str(tmp_path / "o"))
    assert code == 2 and "matches no file" in stderr and "Traceback" not in stderr
    code, _, stderr = cli("batch", "status", "job-000000000000")
    assert code == 2 and "No batch job" in stderr
    code, _, stderr = cli("batch", "submit", str(tmp_path), "--operation", "ask")
    assert code == 2 and "needs a question" in stderr


def test_plan_only_prints_the_estimate_and_list_shows_nothing_submitted(
    batch_env: EmulatorServer, recordings: Path
) -> None:
    code, stdout, _ = cli("batch", "submit", str(recordings), "--plan-only", "--json")
    assert code == 0 and '"state": "PLANNED"' in stdout and '"files": 2' in stdout
    assert cli("batch", "list") == (0, "No batch jobs for this key and endpoint.\n", "")
