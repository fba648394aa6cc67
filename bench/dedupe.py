"""Bytes sent for a second upload of the same file: must be 0 (the first upload is reused).

Uploads a file, then the same bytes again under another name, and reads the emulator's byte counter for
resumable-upload chunks. Runs on the in-process emulator.

    python -m bench.dedupe
"""

from __future__ import annotations

import asyncio
import shutil
import sys

from bench._common import emulator_settings, write_tone_flac
from gemini_audio_tools.operations import call_operation
from gemini_audio_tools.schemas import UploadAudioOutput


async def main() -> int:
    with emulator_settings() as (server, settings, work):
        audio = write_tone_flac(work / "ten-minutes.flac", 600.0)
        copy = work / "same-bytes-other-name.flac"
        shutil.copy(audio, copy)
        size = audio.stat().st_size
        stats = server.state.faults.stats

        first = await call_operation("upload_audio", {"audio": str(audio)}, settings=settings)
        sent_first = stats.bytes_received["upload.chunk"]
        second = await call_operation("upload_audio", {"audio": str(copy)}, settings=settings)
        sent_second = stats.bytes_received["upload.chunk"] - sent_first
        assert isinstance(first, UploadAudioOutput) and isinstance(second, UploadAudioOutput)

    print(f"file size          : {size:,} bytes")
    print(f"first upload sent  : {sent_first:,} bytes ({first.name}, reused={first.reused})")
    print(f"second upload sent : {sent_second:,} bytes ({second.name}, reused={second.reused})")
    ok = sent_second == 0 and second.reused and second.name == first.name
    print("OK: the second upload sent nothing" if ok else "FAIL: the second upload sent bytes")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
