"""Opening a local file with errors that say what is wrong with the path."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..errors import AudioFileNotFoundError


@contextmanager
def open_regular_file(path: Path | str) -> Iterator[tuple[BinaryIO, int]]:
    """Open ``path`` for reading and give its size; a clear error if it is missing or not a regular file.

    Raises:
        AudioFileNotFoundError: nothing at ``path``, or a directory / device instead of a file.
    """
    path = Path(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise AudioFileNotFoundError(f"No file at '{path}'; check the path and the file name.") from None
    except IsADirectoryError:
        raise AudioFileNotFoundError(f"'{path}' is a directory, not an audio file.") from None
    except PermissionError:
        raise AudioFileNotFoundError(f"'{path}' cannot be read (permission denied).") from None
    with handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise AudioFileNotFoundError(f"'{path}' is not a regular file.")
        yield handle, os.fstat(handle.fileno()).st_size
