"""The ``gemini-audio`` CLI: subcommands generated from the registry, output, exit codes, progress."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gemini_audio_tools._ops import transcribe
from gemini_audio_tools._ops._limits import Limits
from gemini_audio_tools.cli import build_parser, run
from gemini_audio_tools.demo import SAMPLE
from gemini_audio_tools.operations import OPERATIONS
from tests._contract import TOOLS
from tests._probe_operation import PROBE, PROBE_OPERATION
from tests.fixtures.audio import SpeechAudio


@pytest.fixture(autouse=True)
def probe_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPERATIONS, PROBE, PROBE_OPERATION)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_every_registered_operation_has_a_subcommand_named_as_in_the_design() -> None:
    action = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    commands = dict(action.choices or {})
    expected = {**TOOLS, PROBE: "probe-echo"}
    for operation in OPERATIONS:
        group, _, action = expected[operation].partition(" ")  # "batch submit": an action of a group
        assert group in commands
        if action:
            actions = commands[group]._subparsers._group_actions[0].choices  # type: ignore[union-attr]
            assert action in actions
    assert {"emulator", "demo"} <= set(commands)


def test_the_result_is_printed_as_text_and_nothing_else_goes_to_stdout() -> None:
    assert cli("probe-echo", "hello", "--loud") == (0, "echo: HELLO\n", "")


def test_json_prints_the_whole_output_model() -> None:
    code, out, _ = cli("probe-echo", "hello", "--json")
    assert code == 0 and json.loads(out) == {"echoed": "hello", "steps": 0}


def test_options_mirror_the_input_fields_with_types_and_choices() -> None:
    assert cli("probe-echo", "x", "--steps", "2", "--json")[1].count('"steps": 2') == 1
    code, _, err = cli("probe-echo", "x", "--outcome", "sideways")
    assert code == 2 and "invalid choice: 'sideways'" in err
    code, _, err = cli("probe-echo", "x", "--steps", "two")
    assert code == 2 and "invalid int value" in err


def test_global_flags_work_before_and_after_the_subcommand(tmp_path: Path) -> None:
    assert cli("--allow-dir", str(tmp_path), "--model", "m", "probe-echo", "a")[0] == 0
    assert cli("probe-echo", "a", "--allow-dir", str(tmp_path))[0] == 0


def test_model_is_an_option_only_of_commands_that_use_a_model(tmp_path: Path) -> None:
    code, _, err = cli("probe-echo", "a", "--model", "m")
    assert code == 2 and "unrecognized arguments: --model m" in err
    code, out, _ = cli("count-tokens", "--help")
    assert "--model MODEL" in out


def test_a_caller_fixable_error_exits_2_with_the_message_on_stderr_and_no_traceback() -> None:
    code, out, err = cli("probe-echo", "x", "--outcome", "caller")
    assert (code, out) == (2, "")
    assert (
        err == "gemini-audio: error: end 12:30 is past the audio's end 10:28; pass an end of at most 10:28.\n"
    )


def test_a_remote_error_exits_1() -> None:
    code, _, err = cli("probe-echo", "x", "--outcome", "remote")
    assert code == 1 and "unavailable" in err


def test_a_bug_exits_1_without_a_traceback() -> None:
    code, _, err = cli("probe-echo", "x", "--outcome", "crash")
    assert (
        code == 1 and err.startswith("gemini-audio: internal error: RuntimeError") and "Traceback" not in err
    )


def test_validation_errors_from_the_model_exit_2() -> None:
    code, _, err = cli("probe-echo", "x", "--steps", "99")
    assert code == 2 and "Invalid arguments for probe_echo: steps" in err


def test_a_missing_allowed_directory_exits_2(tmp_path: Path) -> None:
    code, _, err = cli("--allow-dir", str(tmp_path / "nope"), "probe-echo", "x")
    assert code == 2 and "not an existing directory" in err


def _without_heartbeats(err: str) -> list[str]:
    """Progress lines minus the ones a slow machine adds every 5 s (repeating the state, or "working")."""
    seen: set[str] = set()
    lines = []
    for line in err.splitlines():
        state = line.split(", ")[0]
        if state not in seen and not state.endswith(": working"):
            seen.add(state)
            lines.append(line)
    return lines


def test_progress_goes_to_stderr_as_plain_lines_when_it_is_not_a_terminal() -> None:
    code, out, err = cli("probe-echo", "x", "--steps", "2")
    assert (code, out) == (0, "echo: x\n")
    lines = _without_heartbeats(err)
    assert len(lines) == 2
    assert re.fullmatch(r"probe-echo: step 1 \(50%\), 0:0\d elapsed(, about 0:0\d left)?", lines[0])
    assert re.fullmatch(r"probe-echo: step 2 \(100%\), 0:0\d elapsed", lines[1])


def test_progress_events_go_to_stderr_in_human_units() -> None:
    code, out, err = cli("probe-echo", "x", "--steps", "2", "--events")
    assert (code, out) == (0, "echo: x\n")
    assert "uploading probe.wav: 0 bytes of 2.0 MB (0%)" in err
    assert "uploading probe.wav: 2.0 MB of 2.0 MB (100%)" in err
    assert "working on probe.wav: 2 of 2 chunks (100%)" in err


@pytest.mark.skipif("inspect_audio" not in OPERATIONS, reason="inspect_audio is not registered yet")
def test_a_path_typed_on_the_command_line_may_be_read_though_no_directory_is_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GEMINI_AUDIO_ALLOWED_DIRS", raising=False)
    code, out, err = cli("inspect", str(SAMPLE), "--json")
    assert code == 0, err
    assert json.loads(out)["format"] == "mp3"
    code, _, err = cli("--allow-dir", str(tmp_path), "inspect", str(SAMPLE))
    assert code == 2 and "allowed" in err.lower()


def test_the_emulator_command_prints_its_base_url_first(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "gemini_audio_tools.cli", "emulator", "--port", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
        finally:
            proc.terminate()
    assert line.startswith("GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:")
    assert int(line.strip().rsplit(":", 1)[1]) > 0


def test_a_nested_object_field_is_given_as_json() -> None:
    assert cli("probe-echo", "x", "--window", '{"seconds": 2}')[0] == 0
    code, _, err = cli("probe-echo", "x", "--window", "{oops")
    assert code == 2 and "not valid JSON" in err


def test_remote_commands_use_the_configured_api_and_show_upload_progress(
    emulator_env: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(tmp_path))
    code, out, err = cli("upload", str(SAMPLE), "--json")
    assert code == 0, err
    name = json.loads(out)["name"]
    assert name.startswith("files/")
    last = rf"upload: processing speech_demo.mp3 \(100%\), ready as {name}, \d:\d\d elapsed"
    assert re.fullmatch(last, err.splitlines()[-1])
    code, out, _ = cli("delete", name, "--json")
    assert (code, json.loads(out)) == (0, {"name": name, "deleted": True})


def test_the_emulator_flag_needs_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    code, out, err = cli("count-tokens", str(SAMPLE), "--exact", "--emulator", "--json")
    assert code == 0, err
    assert json.loads(out)["method"] == "api"


def test_chunked_transcription_reports_each_chunk_on_stderr(
    emulator_env: object, long_speech_wav: SpeechAudio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(transcribe, "LIMITS", Limits(transcript_chunk_seconds=15.0))
    code, out, err = cli("transcribe", str(long_speech_wav.path), "--json")
    assert code == 0, err
    chunks = json.loads(out)["chunks"]
    lines = _without_heartbeats(err)
    n = len(chunks)
    assert n >= 3 and len(lines) == n + 1  # 0 of n at the start, then one line per finished chunk
    for i, line in enumerate(lines):
        assert line.startswith(f"transcribe: working on {long_speech_wav.path.name}: {i} of {n} chunks")
        assert i == 0 or ("transcribing chunk " in line and "): ok" in line)


def test_a_transcript_too_long_for_one_tool_result_is_printed_whole(
    emulator_env: object, long_speech_wav: SpeechAudio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(tmp_path))
    small = Limits(transcript_chunk_seconds=15.0, overlap_seconds=2.0, page_chars=120)
    monkeypatch.setattr(transcribe, "LIMITS", small)
    code, out, err = cli("transcribe", str(long_speech_wav.path), "--json")
    assert code == 0, err
    whole = json.loads(out)
    assert whole["next_cursor"] is None and len(whole["text"]) > 3 * 120  # more than a page
    assert "welcome" in whole["text"].lower() and "listening" in whole["text"].lower()
    code, text, err = cli("transcribe", str(long_speech_wav.path))
    assert code == 0, err
    assert "cursor" not in text and text.strip() == whole["text"].strip()


def test_without_a_key_the_error_offers_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    code, out, err = cli("count-tokens", str(SAMPLE), "--exact")
    assert (code, out) == (1, "")
    assert "No Gemini API key" in err and "--emulator" in err and "GEMINI_API_KEY" in err


# --- help text a person can read --------------------------------------------------------------------------


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    action = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    return {
        name: parser for name, parser in (action.choices or {}).items() if name != PROBE.replace("_", "-")
    }


def _summaries() -> dict[str, str]:
    action = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    return {choice.dest: str(choice.help) for choice in action._choices_actions}  # type: ignore[attr-defined]


def _is_one_whole_sentence(text: str) -> bool:
    return text.endswith(".") and not text.endswith("..") and text.count("(") == text.count(")")


def test_every_subcommand_summary_is_one_whole_sentence_ending_in_one_period() -> None:
    bad = {name: text for name, text in _summaries().items() if not _is_one_whole_sentence(text)}
    assert bad == {}


def test_the_summaries_of_the_commands_that_are_not_operations_are_whole_sentences() -> None:
    summaries = _summaries()
    assert _is_one_whole_sentence(summaries["emulator"]) and _is_one_whole_sentence(summaries["demo"])


def test_every_option_with_a_default_says_what_it_is() -> None:
    missing = []
    for name, parser in _subcommands().items():
        for action in parser._actions:
            default = action.default
            if not action.option_strings or default in (None, False, [], argparse.SUPPRESS):
                continue
            if "default" not in (action.help or "").lower():
                missing.append(f"{name} {action.option_strings[0]}")
    assert missing == []


def test_the_model_option_names_the_model_used_when_it_is_not_given() -> None:
    for name, parser in _subcommands().items():
        for action in parser._actions:
            if "--model" in action.option_strings:
                assert re.search(r"default[^)]*gemini-[\w.-]+", action.help or ""), name


_SRT_BLOCK = re.compile(r"\d+\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n.+")


def test_subtitles_on_stdout_stay_valid_and_notes_go_to_stderr(
    emulator_env: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(tmp_path))
    code, out, err = cli("upload", str(SAMPLE), "--json")
    assert code == 0, err
    name = json.loads(out)["name"]
    code, out, err = cli("transcribe", name, "--start", "7.5", "--end", "12.5", "--format", "srt")
    assert code == 0, err
    assert "gemini-audio: note: " in err and "range" in err  # how the remote file's range was honoured
    blocks = out.strip().split("\n\n")
    assert blocks and all(_SRT_BLOCK.fullmatch(block) for block in blocks), out


def test_ask_about_a_range_past_a_minute_answers_with_the_recordings_times(
    emulator_env: object, speech_past_a_minute: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("faster_whisper")
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(tmp_path))
    audio = str(speech_past_a_minute)
    code, out, err = cli("transcribe", audio, "--timestamps", "--json")
    assert code == 0, err
    said = next(s for s in json.loads(out)["segments"] if "coffee" in s["text"].lower())
    code, out, err = cli(
        "ask", audio, "--start", "1:00", "--end", "1:30", "Does the speaker mention the coffee?"
    )
    assert code == 0, err
    (minutes, seconds) = re.findall(r"\bat (\d\d):(\d\d\.\d{3})", out)[0]
    assert minutes == "01" and abs(int(minutes) * 60 + float(seconds) - said["start"]) < 1.0
    assert "recording's timeline" in err and "recording's timeline" not in out  # the note goes to stderr
