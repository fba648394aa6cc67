"""Proof that hostile ``audio`` arguments never make the MCP server open a file outside its allowed roots.

Two witnesses, because each has a blind spot:

* **strace** (the robust one): the real ``gemini-audio-mcp`` runs as a stdio subprocess under
  ``strace -f -e trace=open,openat,openat2``, driven by the official MCP client through every trap with every
  tool that reads local audio. The kernel sees *every* open — Python's, and those FFmpeg makes in C through
  PyAV, which no Python hook can see — in every thread. Skipped where strace is missing or ptrace is denied.
* **audit hook** (always runs, in process): ``sys.addaudithook`` records Python's ``open`` events while the
  same traps go through ``call_operation``. It cannot see opens made in C, hence the strace test.

An open counts as outside when its real path (symlinks resolved) lies in the test's tree but not under the
allowed root, or is one of the named sensitive files. A refused path must not even be opened: opening is
where reading starts (and a FIFO would block), so "zero bytes read" is checked as "zero opens".
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from gemini_audio_tools.config import Settings
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.errors import GeminiAudioError
from gemini_audio_tools.operations import call_operation
from tests.fixtures.audio import MakeAudio
from tests.fixtures.emulator import TEST_API_KEY
from tests.mcp_server._client import REPO, server_env
from tests.reliability._hostile import HostileTree, build_hostile_tree

READERS = ["inspect_audio", "upload_audio", "count_audio_tokens", "transcribe_audio", "ask_about_audio"]
SENSITIVE = ("/dev/zero", "/etc/passwd", "/etc/shadow")
_OPEN_LINE = re.compile(r'^\d+\s+open(?:at2?)?\((?:[^,]+, )?"((?:\\x[0-9a-f]{2})*)"')


@pytest.fixture
def tree(tmp_path: Path, make_audio: MakeAudio) -> HostileTree:
    return build_hostile_tree(tmp_path / "tree", make_audio("wav", 1.0))


def arguments(name: str, audio: str) -> dict[str, Any]:
    return {"audio": audio, "question": "What?"} if name == "ask_about_audio" else {"audio": audio}


def violations(opened: list[str], tree: HostileTree) -> list[str]:
    """Opened paths that lie outside the allowed root (in the test's tree) or are sensitive files."""
    base = tree.root.parent
    bad = []
    for path in opened:
        real = Path(os.path.realpath(path))
        if (
            (real.is_relative_to(base) and not real.is_relative_to(tree.root))
            or str(real) in SENSITIVE
            or re.fullmatch(r"/proc/(self|\d+)/environ", path)
        ):
            bad.append(path)
        elif real == tree.root / "pipe.wav":
            bad.append(path)  # inside the root, but a FIFO must be refused from stat alone
    return bad


def _strace_works() -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-qq", "-e", "trace=openat", "true"], capture_output=True, timeout=30)
    return probe.returncode == 0


def opened_paths(log: Path) -> Iterator[str]:
    """Paths in strace ``-xx`` output (every byte hex-escaped, so any name decodes exactly)."""
    for line in log.read_text().splitlines():
        match = _OPEN_LINE.match(line)
        if match:
            raw = bytes(int(h, 16) for h in match.group(1).split("\\x")[1:])
            yield os.fsdecode(raw)


async def test_the_mcp_server_opens_nothing_outside_its_root_whatever_it_is_asked(
    tree: HostileTree, emulator: EmulatorServer, tmp_path: Path
) -> None:
    if not _strace_works():
        pytest.skip("strace is not installed or ptrace is not permitted (apt-get install strace)")
    log = tmp_path / "strace.log"
    env = server_env(emulator.base_url, tmp_path / "cache", GEMINI_AUDIO_ALLOWED_DIRS=str(tree.root))
    strace = ["-f", "-qq", "-xx", "-s", "4096", "-e", "trace=open,openat,openat2", "-o", str(log)]
    params = StdioServerParameters(
        command="strace", args=[*strace, sys.executable, "-m", "mcp_server"], env=env, cwd=str(REPO)
    )
    answers: dict[tuple[str, str], bool] = {}
    with open(os.devnull, "w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            good = await session.call_tool("inspect_audio", {"audio": str(tree.good)})
            for name in READERS:
                for case, (audio, _) in tree.cases().items():
                    result = await session.call_tool(name, arguments(name, audio))
                    answers[(name, case)] = result.isError
            after = await session.call_tool("inspect_audio", {"audio": str(tree.good)})
    assert good.isError is False and after.isError is False
    assert all(answers.values()), [key for key, refused in answers.items() if not refused]
    opened = list(opened_paths(log))
    assert str(tree.good) in opened  # the trace really covers the server's file access
    assert violations(opened, tree) == []


async def test_python_level_opens_stay_inside_the_root_for_every_trap(
    tree: HostileTree, emulator: EmulatorServer, tmp_path: Path
) -> None:
    settings = Settings(
        api_key=TEST_API_KEY,
        base_url=emulator.base_url,
        allowed_dirs=(tree.root,),
        cache_dir=tmp_path / "cache",
        max_retries=0,
    )
    opened: list[str] = []
    recording = [True]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if recording[0] and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            opened.append(os.fsdecode(args[0]))

    sys.addaudithook(hook)  # cannot be removed: it stops recording when the test ends
    try:
        for name in READERS:
            for audio, _ in tree.cases().values():
                with pytest.raises(GeminiAudioError):
                    await call_operation(name, arguments(name, audio), settings=settings)
        await call_operation("inspect_audio", {"audio": str(tree.good)}, settings=settings)
    finally:
        recording[0] = False
    assert any(Path(p).name == tree.good.name for p in opened)  # the hook does see the library's opens
    assert violations(opened, tree) == []


def test_the_checker_flags_every_kind_of_escape(tree: HostileTree) -> None:
    escapes = [str(tree.secret), str(tree.root / "link.wav"), "/proc/self/environ", "/dev/zero"]
    escapes += [str(tree.root / "pipe.wav"), f"{tree.root}/../outside/secret.wav"]
    assert violations([*escapes, str(tree.good)], tree) == escapes
