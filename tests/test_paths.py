from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gemini_audio_tools.errors import AudioFileNotFoundError, InvalidArgumentError, PathNotAllowedError
from gemini_audio_tools.paths import is_remote_file_ref, normalize_file_name, resolve_local_audio


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An allowed directory with one audio-looking file in it, next to a forbidden sibling directory."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "talk.mp3").write_bytes(b"ID3 not really audio")
    forbidden = tmp_path / "secret"
    forbidden.mkdir()
    (forbidden / "key.txt").write_text("hunter2")
    return allowed


def _bounded(call: Callable[[], Path]) -> Path:
    """Run ``call`` in a worker so a regression that opens a FIFO fails the test instead of hanging it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=30)


# --- resolve_local_audio: what is allowed ---------------------------------------------------------------


def test_a_file_inside_an_allowed_dir_resolves_to_its_absolute_real_path(root: Path) -> None:
    assert resolve_local_audio(str(root / "talk.mp3"), [root]) == root / "talk.mp3"


def test_a_relative_path_is_taken_from_the_working_directory(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(root.parent)
    assert resolve_local_audio("allowed/talk.mp3", [root]) == root / "talk.mp3"


def test_a_tilde_path_is_expanded_to_the_home_directory(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(root))
    assert resolve_local_audio("~/talk.mp3", [root]) == root / "talk.mp3"


def test_surrounding_whitespace_in_the_path_is_ignored(root: Path) -> None:
    assert resolve_local_audio(f"  {root / 'talk.mp3'}\n", [root]) == root / "talk.mp3"


def test_dot_dot_segments_that_stay_inside_the_root_are_fine(root: Path) -> None:
    (root / "sub").mkdir()
    path = f"{root}/sub/../talk.mp3"
    assert resolve_local_audio(path, [root]) == root / "talk.mp3"


def test_names_with_spaces_and_unicode_are_resolved(root: Path) -> None:
    target = root / "Sitzung März – Teil 1 🎙.mp3"
    target.write_bytes(b"x")
    assert resolve_local_audio(str(target), [root]) == target


def test_a_symlink_inside_the_root_to_a_file_inside_the_root_resolves_to_the_target(root: Path) -> None:
    (root / "alias.mp3").symlink_to(root / "talk.mp3")
    assert resolve_local_audio(str(root / "alias.mp3"), [root]) == root / "talk.mp3"


def test_an_allowed_root_given_through_a_symlink_still_admits_its_files(root: Path, tmp_path: Path) -> None:
    link_root = tmp_path / "link-to-allowed"
    link_root.symlink_to(root, target_is_directory=True)
    assert resolve_local_audio(str(link_root / "talk.mp3"), [link_root]) == root / "talk.mp3"


def test_any_of_several_roots_admits_a_file(root: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.wav").write_bytes(b"x")
    assert resolve_local_audio(str(other / "b.wav"), [root, other]) == other / "b.wav"


def test_a_root_that_is_a_file_admits_exactly_that_file(root: Path) -> None:
    talk = root / "talk.mp3"
    (root / "notes.txt").write_text("private")
    assert resolve_local_audio(str(talk), [talk]) == talk.resolve()
    with pytest.raises(PathNotAllowedError):
        resolve_local_audio(str(root / "notes.txt"), [talk])
    with pytest.raises(PathNotAllowedError):
        resolve_local_audio(str(talk / ".." / "notes.txt"), [talk])


# --- resolve_local_audio: what is refused ---------------------------------------------------------------


def test_a_file_outside_the_roots_is_refused_with_the_allowed_dirs_and_how_to_widen_them(root: Path) -> None:
    with pytest.raises(PathNotAllowedError) as caught:
        resolve_local_audio(str(root.parent / "secret" / "key.txt"), [root])
    message = str(caught.value)
    assert str(root) in message
    assert "--allow-dir" in message and "GEMINI_AUDIO_ALLOWED_DIRS" in message


def test_dot_dot_escaping_the_root_is_refused(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)
    with pytest.raises(PathNotAllowedError):
        resolve_local_audio("../secret/key.txt", [root])


def test_a_symlink_inside_the_root_pointing_outside_is_refused_and_names_the_real_target(root: Path) -> None:
    (root / "innocent.mp3").symlink_to(root.parent / "secret" / "key.txt")
    with pytest.raises(PathNotAllowedError, match="secret"):
        resolve_local_audio(str(root / "innocent.mp3"), [root])


def test_a_symlinked_directory_inside_the_root_pointing_outside_is_refused(root: Path) -> None:
    (root / "escape").symlink_to(root.parent / "secret", target_is_directory=True)
    with pytest.raises(PathNotAllowedError):
        resolve_local_audio(str(root / "escape" / "key.txt"), [root])


def test_a_sibling_whose_name_extends_the_root_name_is_not_inside_it(root: Path) -> None:
    sibling = root.parent / (root.name + "-evil")
    sibling.mkdir()
    (sibling / "a.mp3").write_bytes(b"x")
    with pytest.raises(PathNotAllowedError):
        resolve_local_audio(str(sibling / "a.mp3"), [root])


def test_a_missing_path_outside_the_roots_reveals_nothing_about_its_existence(root: Path) -> None:
    with pytest.raises(PathNotAllowedError):
        resolve_local_audio(str(root.parent / "secret" / "no-such-file.mp3"), [root])


def test_no_allowed_dirs_means_nothing_is_readable_and_the_message_says_how_to_allow_one(root: Path) -> None:
    with pytest.raises(PathNotAllowedError, match=r"no directories are allowed.*--allow-dir"):
        resolve_local_audio(str(root / "talk.mp3"), [])


def test_a_fifo_outside_the_roots_is_refused_without_being_opened(root: Path) -> None:
    fifo = root.parent / "secret" / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(PathNotAllowedError):
        _bounded(lambda: resolve_local_audio(str(fifo), [root]))


def test_a_fifo_inside_the_root_is_refused_as_not_a_regular_file_without_blocking(root: Path) -> None:
    os.mkfifo(root / "pipe.mp3")
    with pytest.raises(AudioFileNotFoundError, match="FIFO"):
        _bounded(lambda: resolve_local_audio(str(root / "pipe.mp3"), [root]))


def test_a_directory_is_refused_as_not_an_audio_file(root: Path) -> None:
    (root / "album.mp3").mkdir()
    with pytest.raises(AudioFileNotFoundError, match="is a directory"):
        resolve_local_audio(str(root / "album.mp3"), [root])


def test_a_unix_socket_is_refused_as_not_a_regular_file(tmp_path: Path) -> None:
    short = Path(os.environ.get("TMPDIR", "/tmp")) / f"gat-{os.getpid()}"  # AF_UNIX paths are short
    short.mkdir(exist_ok=True)
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(short / "s.mp3"))
            with pytest.raises(AudioFileNotFoundError, match="socket"):
                resolve_local_audio(str(short / "s.mp3"), [short])
    finally:
        (short / "s.mp3").unlink(missing_ok=True)
        short.rmdir()


def test_a_character_device_is_refused_even_when_its_directory_is_allowed() -> None:
    with pytest.raises(AudioFileNotFoundError):
        _bounded(lambda: resolve_local_audio("/dev/zero", [Path("/dev")]))


def test_kernel_pseudo_files_under_proc_are_refused_even_when_slash_is_allowed() -> None:
    with pytest.raises(AudioFileNotFoundError, match="pseudo-file"):
        resolve_local_audio("/proc/self/status", [Path("/")])


def test_a_missing_file_inside_the_root_gets_a_clear_not_found_message(root: Path) -> None:
    with pytest.raises(AudioFileNotFoundError, match=r"No file at .*nope\.mp3"):
        resolve_local_audio(str(root / "nope.mp3"), [root])


def test_a_dangling_symlink_inside_the_root_is_reported_as_missing(root: Path) -> None:
    (root / "gone.mp3").symlink_to(root / "deleted.mp3")
    with pytest.raises(AudioFileNotFoundError, match="No file at"):
        resolve_local_audio(str(root / "gone.mp3"), [root])


def test_a_symlink_loop_is_reported_instead_of_recursing(root: Path) -> None:
    (root / "a.mp3").symlink_to(root / "b.mp3")
    (root / "b.mp3").symlink_to(root / "a.mp3")
    with pytest.raises(AudioFileNotFoundError):
        resolve_local_audio(str(root / "a.mp3"), [root])


@pytest.mark.parametrize("bad", ["", "   ", "a\0b.mp3"])
def test_an_empty_path_or_one_with_a_nul_byte_is_an_invalid_argument(root: Path, bad: str) -> None:
    with pytest.raises(InvalidArgumentError, match="non-empty file path"):
        resolve_local_audio(bad, [root])


# --- remote names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "files/abc123",
        " files/abc-123 ",
        "https://generativelanguage.googleapis.com/v1beta/files/abc123",
        "https://generativelanguage.googleapis.com/v1/files/abc123",
        "http://127.0.0.1:8123/v1beta/files/abc123",
        "http://localhost:9/proxy/v1alpha/files/abc123",
    ],
)
def test_files_api_names_and_uris_are_remote(ref: str) -> None:
    assert is_remote_file_ref(ref)


@pytest.mark.parametrize(
    "ref", ["talk.mp3", "/data/files/abc.mp3", "./files/abc.mp3", "C:\\files\\a.mp3", "~/files/a.mp3", ""]
)
def test_local_paths_are_not_remote(ref: str) -> None:
    assert not is_remote_file_ref(ref)


@pytest.mark.parametrize(
    "ref",
    ["https://cdn.example.com/files/talk.mp3", "https://example.com/files/abc123", "http://host/files/x"],
)
def test_web_urls_with_a_files_folder_are_urls_not_file_names(ref: str) -> None:
    assert not is_remote_file_ref(ref)


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("files/abc123", "files/abc123"),
        ("  files/a-b-c  ", "files/a-b-c"),
        ("https://generativelanguage.googleapis.com/v1beta/files/abc123", "files/abc123"),
        ("http://127.0.0.1:8123/v1/files/x9", "files/x9"),
        ("http://127.0.0.1:8123/v1beta/files/x9?alt=json", "files/x9"),
        ("files/" + "a" * 40, "files/" + "a" * 40),
    ],
)
def test_normalize_file_name_reduces_names_and_uris_to_files_slash_id(ref: str, name: str) -> None:
    assert normalize_file_name(ref) == name


@pytest.mark.parametrize("ref", ["files/ABC", "files/", "files/a_b", "files/" + "a" * 41])
def test_normalize_file_name_rejects_ids_the_api_never_issues(ref: str) -> None:
    with pytest.raises(InvalidArgumentError, match="1-40 lowercase letters, digits or dashes"):
        normalize_file_name(ref)


@pytest.mark.parametrize(
    "ref", ["talk.mp3", "abc123", "/files/abc", "files/a/b", "https://example.com/audio.mp3"]
)
def test_normalize_file_name_rejects_things_that_are_not_files_api_names(ref: str) -> None:
    with pytest.raises(InvalidArgumentError, match="like 'files/abc123'"):
        normalize_file_name(ref)


def test_a_local_looking_path_under_files_is_told_how_to_reach_the_local_file() -> None:
    for ref in ("files/meeting.mp3", "files/2024/a.wav"):
        with pytest.raises(InvalidArgumentError, match=re.escape(f"write './{ref}'")):
            normalize_file_name(ref)
