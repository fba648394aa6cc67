"""``gemini-audio models``: what the key can use, from models.list, with the catalogue's marks."""

from __future__ import annotations

import io
import json

import pytest

from gemini_audio_tools.cli import run
from gemini_audio_tools.emulator.server import EmulatorServer


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return run(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


@pytest.fixture
def api(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", emulator.base_url)
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    return emulator


@pytest.mark.usefixtures("api")
def test_models_marks_audio_native_transcription_defaults_and_deprecations() -> None:
    code, out, err = cli("models")
    assert code == 0, err
    rows = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    assert (
        "native" in rows["gemini-3.5-transcribe"]
        and "default for transcribe" in rows["gemini-3.5-transcribe"]
    )
    assert "alias of gemini-3.8-flash (default for describe" in rows["gemini-flash-latest"]
    assert "deprecated: answered by gemini-3.8-flash" in rows["gemini-3.7-flash"]
    assert "gemini-2.0-flash" not in rows  # retired: models.list no longer offers it


@pytest.mark.usefixtures("api")
def test_models_json_is_one_object_per_model() -> None:
    code, out, _ = cli("models", "--json")
    listed = {m["id"]: m for m in json.loads(out)}
    assert code == 0 and listed["gemini-3.5-transcribe"]["native_transcription"] is True
    assert listed["gemini-3.8-flash"]["takes_audio"] is True


def test_models_without_a_key_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    code, _, err = cli("models")
    assert code == 1 and "GEMINI_API_KEY" in err and "Traceback" not in err
