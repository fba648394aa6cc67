"""The containers people have (M4A, Ogg Opus, WebM, MP4 video, 3GP), several audio tracks, broken files and
URLs, through the ``gemini-audio`` CLI (checks in tests/_formats.py): ``--json`` prints the output model,
errors go to stderr with exit status 2 and no traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gemini_audio_tools.cli import run
from gemini_audio_tools.emulator.server import EmulatorServer
from tests import _formats as formats
from tests.fixtures.audio import SpeechAudio
from tests.fixtures.web import WebServer

pytest.importorskip("faster_whisper")


@pytest.fixture(autouse=True)
def private_cache(emulator_env: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(tmp_path / "cache"))


def cli_json(*argv: str) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    code = run([*argv, "--json"], stdout=out, stderr=err)
    assert code == 0, (argv, err.getvalue())
    found: dict[str, Any] = json.loads(out.getvalue())
    return found


def cli_refused(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    assert (code, out.getvalue()) == (2, ""), (argv, code, err.getvalue())
    assert "Traceback" not in err.getvalue()
    return err.getvalue()


def test_every_container_has_its_exact_duration_and_is_transcribed_by_range(
    container_files: dict[str, Path], silent_mp4: Path, truncated_m4as: dict[str, Path]
) -> None:
    for name in formats.CONTAINERS:
        path = str(container_files[name])
        formats.check_inspected(name, cli_json("inspect", path))
        ranged = cli_json("transcribe", path, "--start", formats.START, "--end", formats.END)
        formats.check_ranged(name, ranged)
    video = str(formats.three_track_video())
    formats.check_track(cli_json("inspect", video), 1)
    formats.check_track(cli_json("inspect", video, "--track", "2"), 2)
    formats.check_track_note(cli_json("transcribe", video, "--end", "1"), 1)
    formats.check_track_note(cli_json("transcribe", video, "--track", "0", "--end", "1"), 0)
    assert "track 5" in cli_refused("inspect", video, "--track", "5")
    assert "no audio track" in cli_refused("transcribe", str(silent_mp4))
    for cut in truncated_m4as.values():
        message = cli_refused("transcribe", str(cut), "--start", "0", "--end", "1")
        assert f"'{cut.name}'" in message and "truncated" in message, message


def test_a_url_is_transcribed_with_and_without_a_range(web: WebServer, speech_wav: SpeechAudio) -> None:
    url = web.add("/memo.m4a", formats.speech_m4a(speech_wav).read_bytes(), "audio/mp4")
    allow = ("--allow-host", f"127.0.0.1:{web.port}")
    formats.check_speech(cli_json("transcribe", url, *allow))
    formats.check_speech(cli_json("transcribe", url, "--start", "4", "--end", "8", *allow), 4.0, 8.0)
    assert "--allow-host 127.0.0.1" in cli_refused("inspect", url)
