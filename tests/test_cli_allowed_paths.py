"""What the ``gemini-audio`` CLI lets an operation read when no allowed directory is configured.

A human typed the path, so the named file may be read, but only that file (its real location): not its
directory, not the working directory. A test operation that tries to read a second path shows what the
settings handed to operations actually admit.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field

from gemini_audio_tools.cli import run
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.operations import AUDIO_SOURCE, OPERATIONS, Hints, Operation
from gemini_audio_tools.paths import resolve_local_audio

READ_TWO = "read_two"


class ReadTwoInput(BaseModel):
    """Resolve ``audio`` and, if given, ``other`` against the allowed paths (test operation)."""

    model_config = ConfigDict(extra="forbid")

    audio: Annotated[str, AUDIO_SOURCE] = Field(description="A local path.", min_length=1)
    other: str | None = Field(default=None, description="A second local path to try.")


class ReadTwoOutput(BaseModel):
    resolved: list[str] = Field(description="The paths that were admitted.")
    allowed: list[str] = Field(description="The allowed roots the operation was given.")


async def run_read_two(args: ReadTwoInput, ctx: RunContext) -> ReadTwoOutput:
    roots = ctx.settings.allowed_dirs
    paths = [args.audio] + ([args.other] if args.other else [])
    return ReadTwoOutput(
        resolved=[str(resolve_local_audio(path, roots)) for path in paths], allowed=[str(r) for r in roots]
    )


READ_TWO_OPERATION: Operation[ReadTwoInput, ReadTwoOutput] = Operation(
    name=READ_TWO,
    input_model=ReadTwoInput,
    output_model=ReadTwoOutput,
    run=run_read_two,
    hints=Hints(read_only=True, idempotent=True, open_world=False),
)


@pytest.fixture(autouse=True)
def unconfigured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The operation registered, no allowed directories in the environment, the cwd an unrelated folder."""
    monkeypatch.setitem(OPERATIONS, READ_TWO, READ_TWO_OPERATION)
    monkeypatch.delenv("GEMINI_AUDIO_ALLOWED_DIRS", raising=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "here.wav").write_bytes(b"RIFF")
    monkeypatch.chdir(cwd)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with a recording and, next to it, a secret."""
    path = tmp_path / "recordings"
    path.mkdir()
    (path / "talk.wav").write_bytes(b"RIFF")
    (path / ".env").write_text("GEMINI_API_KEY=sk-test-0123456789\n")
    return path


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_named_file_is_the_only_path_allowed(folder: Path) -> None:
    code, out, err = cli("read-two", str(folder / "talk.wav"), "--json")
    assert code == 0, err
    assert json.loads(out) == {"resolved": [str(folder / "talk.wav")], "allowed": [str(folder / "talk.wav")]}


def test_a_neighbour_of_the_named_file_is_not_readable(folder: Path) -> None:
    code, _, err = cli("read-two", str(folder / "talk.wav"), "--other", str(folder / ".env"))
    assert code == 2
    assert "outside the allowed directories" in err and "--allow-dir" in err
    assert "sk-test" not in err


def test_the_working_directory_is_not_readable_unless_named(folder: Path) -> None:
    code, _, err = cli("read-two", str(folder / "talk.wav"), "--other", "here.wav")
    assert code == 2 and "outside the allowed directories" in err
    code, out, err = cli("read-two", "here.wav", "--json")
    assert code == 0, err
    assert json.loads(out)["resolved"] == [str(Path.cwd() / "here.wav")]


def test_a_named_symlink_allows_its_target_and_neither_directory(folder: Path, tmp_path: Path) -> None:
    links = tmp_path / "links"
    links.mkdir()
    (links / "talk-link.wav").symlink_to(folder / "talk.wav")
    (links / "other.wav").write_bytes(b"RIFF")
    code, out, err = cli("read-two", str(links / "talk-link.wav"), "--json")
    assert code == 0, err
    assert json.loads(out) == {"resolved": [str(folder / "talk.wav")], "allowed": [str(folder / "talk.wav")]}
    for neighbour in (links / "other.wav", folder / ".env"):
        code, _, err = cli("read-two", str(links / "talk-link.wav"), "--other", str(neighbour))
        assert code == 2 and "outside the allowed directories" in err


def test_a_remote_file_name_allows_no_local_path(folder: Path) -> None:
    code, _, err = cli("read-two", "files/abc123", "--other", str(folder / "talk.wav"))
    assert code == 2 and "no directories are allowed" in err


def test_a_missing_named_file_is_reported_as_missing_not_as_outside(folder: Path) -> None:
    code, _, err = cli("read-two", str(folder / "tlak.wav"))
    assert code == 2 and "No file at" in err


def test_allow_dir_still_allows_the_whole_directory(folder: Path) -> None:
    code, out, err = cli(
        "--allow-dir",
        str(folder),
        "read-two",
        str(folder / "talk.wav"),
        "--other",
        str(folder / ".env"),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out) == {
        "resolved": [str(folder / "talk.wav"), str(folder / ".env")],
        "allowed": [str(folder)],
    }


def test_allowed_dirs_from_the_environment_apply_and_the_refusal_says_how_to_read_the_file_anyway(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("GEMINI_AUDIO_ALLOWED_DIRS", str(elsewhere))
    code, _, err = cli("read-two", str(folder / "talk.wav"))
    assert code == 2
    assert "GEMINI_AUDIO_ALLOWED_DIRS is set in your environment" in err
    assert "--allow-dir DIR for this command" in err and "unset it" in err
    code, _, err = cli("--allow-dir", str(folder), "read-two", str(folder / "talk.wav"))
    assert code == 0, err
