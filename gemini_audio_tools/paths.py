"""Which audio an ``audio`` argument names: a local file inside the allowed directories, or a Files API file.

A tool's caller is a model, and a model can be talked into asking for ``~/.ssh/id_rsa`` or ``/dev/zero``. So a
local path is resolved completely (``~``, relative to the working directory, every symlink) *before* anything
is opened, and refused unless the real file lies under one of the allowed roots and is a regular file. Nothing
outside the roots is ever read; FIFOs and devices are refused from ``stat`` alone, so they never block or
stream.

Remote files are named ``files/<id>`` by the Files API; a model may also pass the file's full ``uri``
(``https://generativelanguage.googleapis.com/v1beta/files/<id>``, or the emulator's
``http://127.0.0.1:PORT/v1beta/files/<id>``). Both normalise to ``files/<id>``.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from .errors import AudioFileNotFoundError, InvalidArgumentError, PathNotAllowedError

WIDEN_HINT = (
    "To allow another directory, start the server (or run the CLI) with --allow-dir DIR (repeatable) or set "
    "GEMINI_AUDIO_ALLOWED_DIRS (directories separated by os.pathsep)."
)

FILE_ID_PATTERN = re.compile(r"[a-z0-9-]{1,40}")
"""Files API ids: lowercase letters, digits and dashes, at most 40 characters."""

_REMOTE_URI = re.compile(
    r"https?://[^/\s]+(?:/[^\s]*)?/v\d+(?:alpha|beta)?/(files/[^/?#\s]*)/?(?:[?#][^\s]*)?"
)
"""A Files API uri: the API's versioned path (``…/v1beta/files/<id>``), so a web URL such as
``https://cdn.example.com/files/talk.mp3`` is audio to download, not a file name."""
_FILE_NAME = re.compile(r"files/([^/?#\s]*)")


def is_remote_file_ref(audio: str) -> bool:
    """True if ``audio`` names a Files API file (``files/<id>`` or an http(s) URI ending ``/v…/files/<id>``).

    A relative local path that happens to start with ``files/`` counts as remote: the Files API's naming wins,
    and ``./files/x.mp3`` reaches the local file.
    """
    text = audio.strip()
    return text.startswith("files/") or bool(_REMOTE_URI.fullmatch(text))


def normalize_file_name(ref: str) -> str:
    """``files/<id>`` for a Files API name or URI.

    Raises:
        InvalidArgumentError: ``ref`` is no Files API name/URI, or its id has characters the API never uses.
    """
    text = ref.strip()
    match = _REMOTE_URI.fullmatch(text)
    name = match.group(1) if match else text
    found = _FILE_NAME.fullmatch(name)
    if found is None and match is None and name.startswith("files/"):
        raise InvalidArgumentError(
            f"{_show(ref)} is not a Files API file name (those look like 'files/abc123'). For a local file "
            f"in a folder named 'files', write './{text}'."
        )
    if found is None:
        raise InvalidArgumentError(
            f"{_show(ref)} is not a Files API file name; pass a name like 'files/abc123' (or its uri) as "
            "returned by upload_audio or list_audio_files."
        )
    file_id = found.group(1)
    if not FILE_ID_PATTERN.fullmatch(file_id):
        local = f" For a local file in a folder named 'files', write './{text}'." if match is None else ""
        raise InvalidArgumentError(
            f"{_show(ref)} is not a valid Files API name: the id after 'files/' must be 1-40 lowercase "
            "letters, digits or dashes. Use a name exactly as returned by upload_audio or list_audio_files."
            + local
        )
    return f"files/{file_id}"


def resolve_local_audio(path: str, allowed_dirs: Sequence[Path]) -> Path:
    """The real path of the regular file ``path`` names, provided it lies inside one of ``allowed_dirs``.

    ``~`` is expanded, a relative path is taken relative to the working directory, and symlinks are resolved
    before the check, so a link pointing out of the roots is refused. Nothing is opened or read. A root may
    also be a single file, which admits exactly that file (the CLI's default: the file the user named).

    Raises:
        AudioFileNotFoundError: nothing at ``path`` (or a dangling symlink), or it is a directory, FIFO,
            device or socket instead of a regular file.
        PathNotAllowedError: the real file lies outside every allowed directory (or none is configured).
        InvalidArgumentError: ``path`` is empty or contains a NUL byte.
    """
    text = path.strip()
    if not text or "\0" in text:
        raise InvalidArgumentError(
            "audio must be a non-empty file path (or a 'files/…' name) without NUL bytes."
        )
    given = Path(text).expanduser()
    absolute = given if given.is_absolute() else Path.cwd() / given
    roots = _real_roots(allowed_dirs)
    # Check the lexical path first: a caller probing outside the roots learns nothing about what exists there.
    if not _inside_any(Path(os.path.normpath(absolute)), roots) and not _inside_any(
        _resolve(absolute), roots
    ):
        raise PathNotAllowedError(_outside_message(text, roots))
    try:
        real = absolute.resolve(strict=True)
    except FileNotFoundError:
        raise AudioFileNotFoundError(
            f"No file at '{text}' (resolved to '{absolute}'); check the spelling and the directory "
            "(relative paths start at the working directory)."
        ) from None
    except (OSError, RuntimeError) as exc:  # symlink loop, permission denied on a parent, name too long
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise AudioFileNotFoundError(f"'{text}' cannot be resolved: {reason}.") from None
    if not _inside_any(real, roots):
        raise PathNotAllowedError(_outside_message(text, roots, real))
    _require_regular_file(real, text)
    return real


def _real_roots(allowed_dirs: Sequence[Path]) -> list[Path]:
    roots = []
    for root in allowed_dirs:
        try:
            roots.append(Path(root).expanduser().resolve(strict=False))
        except (OSError, RuntimeError):
            continue
    return roots


def _resolve(path: Path) -> Path:
    try:
        return path.resolve(strict=False)
    except (OSError, RuntimeError):
        return path


def _inside_any(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _outside_message(text: str, roots: Sequence[Path], real: Path | None = None) -> str:
    where = f" (it resolves to '{real}')" if real is not None and str(real) != text else ""
    if not roots:
        return f"'{text}'{where} cannot be read: no directories are allowed. {WIDEN_HINT}"
    allowed = ", ".join(f"'{root}'" for root in roots)
    return (
        f"'{text}'{where} is outside the allowed directories ({allowed}); use a file inside them. "
        + WIDEN_HINT
    )


_PSEUDO_FILESYSTEMS = (Path("/proc"), Path("/sys"), Path("/dev"))
"""Kernel views whose "regular" files report size 0 or never end; no audio lives there."""


def _require_regular_file(real: Path, text: str) -> None:
    if _inside_any(real, _PSEUDO_FILESYSTEMS):
        raise AudioFileNotFoundError(
            f"'{text}' is a kernel pseudo-file under {real.parts[0]}{real.parts[1]}, not an audio file."
        )
    try:
        mode = real.stat().st_mode
    except OSError as exc:
        raise AudioFileNotFoundError(f"'{text}' cannot be read: {exc.strerror or exc}.") from None
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise AudioFileNotFoundError(
            f"'{text}' is a directory, not an audio file; pass the path of a file in it."
        )
    kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    raise AudioFileNotFoundError(f"'{text}' is {kind}, not a regular audio file; pass the path of a file.")


def _show(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:80] + "…")
