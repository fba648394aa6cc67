"""The README's examples are what the tool prints: each ```console block's commands run here and must match.

A block is ``$ gemini-audio ARGS`` lines, each followed by the exact stdout it prints. Commands run in-process
from the repository root, with no API key (so only offline commands and ``--emulator`` ones belong there).
"""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest

from gemini_audio_tools.cli import run

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

_BLOCK = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)


def console_examples(text: str) -> list[tuple[str, str]]:
    """``(command, expected stdout)`` for every ``$ `` line of every console block in ``text``."""
    examples: list[tuple[str, str]] = []
    for block in _BLOCK.findall(text):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            examples.append((command.strip(), output))
    return examples


EXAMPLES = console_examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_examples_of_offline_and_emulator_output() -> None:
    commands = [command for command, _ in EXAMPLES]
    assert any(c.startswith("gemini-audio inspect") for c in commands)
    assert any("--emulator" in c for c in commands)


def test_examples_are_parsed_command_by_command() -> None:
    text = "```console\n$ gemini-audio a\none\ntwo\n$ gemini-audio b\nthree\n```\n"
    assert console_examples(text) == [("gemini-audio a", "one\ntwo\n"), ("gemini-audio b", "three\n")]


@pytest.mark.parametrize(
    ("command", "expected"),
    [pytest.param(c, e, id=c, marks=[pytest.mark.slow] if "--emulator" in c else []) for c, e in EXAMPLES],
)
def test_a_readme_example_prints_what_the_readme_shows(
    command: str, expected: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    argv = shlex.split(command)
    assert argv[0] == "gemini-audio", "README console blocks show gemini-audio commands"
    if "--emulator" in argv:
        pytest.importorskip("faster_whisper", reason="the emulator's recognizer is the [emulator] extra")
    for var in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GEMINI_AUDIO_ALLOWED_DIRS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GEMINI_AUDIO_CACHE_DIR", str(tmp_path))
    monkeypatch.chdir(REPO)
    out, err = io.StringIO(), io.StringIO()
    code = run(argv[1:], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    assert out.getvalue() == expected
