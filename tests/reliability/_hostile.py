"""Hostile inputs and the checks every answer must pass, shared by the in-process and subprocess suites.

A *clear error* is a tool error whose text is a sentence for the model: not empty, no Python traceback, not
the MCP SDK's bare "Error executing tool", and neither the adapters' internal-error fallback nor the backend's
"Unexpected failure while …" catch-all (both mean an exception escaped the error hierarchy — a bug).
"""

from __future__ import annotations

import os
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

FORBIDDEN_IN_ERRORS = ("Traceback", "Error executing tool", "internal error", "Unexpected failure", 'File "/')

ABSURD_TIME_CODES = (
    "99999999:00",
    "-1",
    "nan",
    "1e309",
    "00:00:00:00",
    "inf",
    "-0:01",
    "1:60",
    "",
    " ",
    "0x10",
    "١٢",
    "1_0",
    "+5",
    "9" * 400,
    "1:2:3:4:5:6",
    "\x00",
)


def clear_error_problem(text: str) -> str | None:
    """Why ``text`` is not a clear error message, or None if it is one."""
    if not text.strip():
        return "empty error message"
    for marker in FORBIDDEN_IN_ERRORS:
        if marker in text:
            return f"error message contains {marker!r}: {text[:300]}"
    return None


@dataclass(frozen=True)
class HostileTree:
    """An allowed root full of traps, and a sibling directory outside it holding a secret."""

    root: Path
    outside: Path
    good: Path
    secret: Path

    def cases(self) -> dict[str, tuple[str, str]]:
        """name -> (``audio`` argument, a phrase the error must contain)."""
        root, outside = self.root, self.outside
        outside_phrase = "outside the allowed directories"
        return {
            "absolute path outside": (str(self.secret), outside_phrase),
            "dot-dot out of the root": (f"{root}/../{outside.name}/{self.secret.name}", outside_phrase),
            "relative dot-dot": ("../" * 12 + "etc/passwd", outside_phrase),
            "symlink out of the root": (str(root / "link.wav"), outside_phrase),
            "symlinked dir out of the root": (str(root / "linkdir" / self.secret.name), outside_phrase),
            "proc environ": ("/proc/self/environ", outside_phrase),
            "dev zero": ("/dev/zero", outside_phrase),
            "fifo": (str(root / "pipe.wav"), "FIFO"),
            "directory": (str(root / "folder.mp3"), "directory"),
            "sparse 10 GB of zeros": (str(root / "sparse.wav"), "not audio"),
            "random bytes as mp3": (str(root / "noise.mp3"), "not audio"),
            "text as flac": (str(root / "text.flac"), "text file"),
            "truncated wav header": (str(root / "truncated.wav"), "truncated"),
            "missing file": (str(root / "nope.wav"), "no file at"),
            "nul byte": ("bad\x00name.wav", "NUL"),
            "empty": ("   ", "audio"),
        }


def build_hostile_tree(base: Path, good_audio: Path) -> HostileTree:
    """Create the traps under ``base`` (FIFOs, symlinks, a 10 GB sparse file...) and return where they are."""
    root, outside = base / "allowed", base / "outside"
    root.mkdir(parents=True)
    outside.mkdir()
    good = root / "ünïcödé name with  spaces.wav"
    shutil.copy(good_audio, good)
    secret = outside / "secret.wav"
    shutil.copy(good_audio, secret)
    (root / "link.wav").symlink_to(secret)
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    os.mkfifo(root / "pipe.wav")
    (root / "folder.mp3").mkdir()
    with (root / "sparse.wav").open("wb") as fh:
        fh.truncate(10 * 1024**3)
    (root / "noise.mp3").write_bytes(bytes((i * 7919 + 13) % 251 for i in range(20_000)))
    (root / "text.flac").write_text("hello, this is not audio\n")
    (root / "truncated.wav").write_bytes(b"RIFF\xff\xff\xff\x7fWAVEfmt ")
    return HostileTree(root=root.resolve(), outside=outside.resolve(), good=good.resolve(), secret=secret)


def write_wav_header_then_sparse(path: Path, total_bytes: int, rate: int = 16_000) -> None:
    """A valid 16-bit mono WAV header claiming ~4 GB of samples, then a sparse file of ``total_bytes``."""
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header = (
        b"RIFF" + struct.pack("<I", 0xFFFFFFF8) + b"WAVEfmt " + fmt + b"data" + struct.pack("<I", 0xFFFFFFD0)
    )
    with path.open("wb") as fh:
        fh.write(header)
        fh.truncate(total_bytes)
