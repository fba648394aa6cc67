"""What a batch submission names, expanded to files: inside the allowed directories only, in a stable order,
each file once; and the output names, unique per job."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_audio_tools._ops._batch_inputs import expand_inputs
from gemini_audio_tools._ops.batch import output_names
from gemini_audio_tools.config import Settings
from gemini_audio_tools.errors import InvalidArgumentError


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in ("b.mp3", "a.mp3", ".hidden.mp3", "c.wav", "sub/d.mp3"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


def test_a_glob_expands_sorted_without_hidden_files_and_a_file_named_twice_counts_once(tree: Path) -> None:
    settings = Settings(allowed_dirs=(tree,))
    found = expand_inputs([str(tree / "*.mp3"), str(tree / "a.mp3"), str(tree / "**/*.mp3")], settings)
    assert found == [str(tree / "a.mp3"), str(tree / "b.mp3"), str(tree / "sub/d.mp3")]


def test_a_folder_means_its_files(tree: Path) -> None:
    found = expand_inputs([str(tree)], Settings(allowed_dirs=(tree,)))
    assert found == [str(tree / n) for n in ("a.mp3", "b.mp3", "c.wav")]


def test_a_glob_outside_the_allowed_directories_matches_nothing_and_says_so(
    tree: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "sub"
    with pytest.raises(InvalidArgumentError, match="matches no file inside the allowed directories"):
        expand_inputs([str(tree / "*.mp3")], Settings(allowed_dirs=(elsewhere,)))


def test_named_paths_and_urls_are_passed_on_for_the_plan_to_judge(tree: Path) -> None:
    given = [str(tree / "missing.mp3"), "https://example.com/talk.mp3"]
    assert expand_inputs(given, Settings(allowed_dirs=(tree,))) == given


def test_output_names_are_the_stems_numbered_when_they_clash() -> None:
    names = output_names(["x/talk.mp3", "y/talk.wav", "y/Talk.flac", "https://h/p/ep1.mp3?sig=1", "z/notes"])
    assert names == ["talk", "talk-2", "Talk-3", "ep1", "notes"]
