"""Peak memory of uploading a 1 GB file: the client's resident set must grow < 64 MB (it streams, never holds
the file), and the emulator's growth is printed too (it writes chunks to disk as they arrive).

The file is a valid 48 kHz stereo 16-bit WAV whose 1 GiB of samples is a sparse hole (silence): the bytes are
really read, hashed and sent, without needing 1 GB of disk. The emulator runs as its own process
(``gemini-audio emulator``) so the two memories are measured apart. Peaks come from ``VmHWM`` in
``/proc/PID/status`` after resetting it (``echo 5 > /proc/PID/clear_refs``) once everything is imported and
a small warm-up upload has run (Linux only).

    python -m bench.upload_memory             # 1 GiB
    python -m bench.upload_memory --mib 256   # a quicker run
"""

from __future__ import annotations

import argparse
import asyncio
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gemini_audio_tools.config import Settings
from gemini_audio_tools.operations import call_operation
from gemini_audio_tools.schemas import UploadAudioOutput

LIMIT_MB = 64.0
MIB = 1024 * 1024


def write_sparse_wav(path: Path, data_bytes: int, rate: int = 48_000, channels: int = 2) -> Path:
    block = channels * 2
    fmt = struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, 16)
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + fmt
        + b"data"
        + struct.pack("<I", data_bytes)
    )
    with path.open("wb") as fh:
        fh.write(header)
        fh.truncate(len(header) + data_bytes)
    return path


def status_kb(pid: int | str, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def reset_peak(pid: int | str) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def upload(path: Path, settings: Settings) -> UploadAudioOutput:
    out = await call_operation("upload_audio", {"audio": str(path)}, settings=settings)
    assert isinstance(out, UploadAudioOutput)
    return out


async def main(mib: int) -> int:
    emulator = subprocess.Popen(
        [sys.executable, "-m", "gemini_audio_tools.cli", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert emulator.stdout is not None
        base_url = emulator.stdout.readline().strip().partition("=")[2]
        with tempfile.TemporaryDirectory(prefix="gemini-audio-bench-") as tmp:
            work = Path(tmp)
            settings = Settings(
                api_key="bench-key",
                base_url=base_url,
                allowed_dirs=(work,),
                cache_dir=work / "cache",
                file_active_timeout_seconds=1800,
            )
            await upload(write_sparse_wav(work / "warm-up.wav", 4 * MIB), settings)
            big = write_sparse_wav(work / "big.wav", mib * MIB - 44)
            client_before, server_before = status_kb("self", "VmRSS"), status_kb(emulator.pid, "VmRSS")
            reset_peak("self")
            reset_peak(emulator.pid)
            started = time.perf_counter()
            out = await upload(big, settings)
            elapsed = time.perf_counter() - started
            client_peak, server_peak = status_kb("self", "VmHWM"), status_kb(emulator.pid, "VmHWM")
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)

    size = big.stat().st_size if big.exists() else mib * MIB
    client_growth = (client_peak - client_before) / 1024
    server_growth = (server_peak - server_before) / 1024
    print(f"uploaded            : {size / MIB:,.0f} MiB as {out.name} ({out.state}) in {elapsed:.1f} s")
    print(f"throughput          : {size / MIB / elapsed:,.0f} MiB/s (hash + upload + emulator processing)")
    print(f"client peak growth  : {client_growth:.1f} MB (RSS {client_before / 1024:.0f} MB before)")
    print(f"emulator peak growth: {server_growth:.1f} MB (RSS {server_before / 1024:.0f} MB before)")
    print(f"client growth / file: {client_growth / (size / MIB):.4f}")
    ok = client_growth < LIMIT_MB
    print(f"OK: client growth < {LIMIT_MB:.0f} MB" if ok else f"FAIL: client grew {client_growth:.1f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB (default 1024)")
    sys.exit(asyncio.run(main(parser.parse_args().mib)))
