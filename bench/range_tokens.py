"""Tokens billed for a 1-minute range of a 60-minute file: clipped locally vs. prompting with the whole file.

Clipping sends only the minute (32 tokens/s x 60 s = 1,920 audio tokens); the alternative — the file uploaded
whole and the model told which minute to use — bills all 60 minutes. Runs on the in-process emulator, whose
usageMetadata counts 32 tokens per second of audio received, as the real API does. Must show >= 50x.

    python -m bench.range_tokens
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time

from bench._common import emulator_settings, write_tone_flac
from gemini_audio_tools.operations import call_operation
from gemini_audio_tools.schemas import DescribeAudioOutput, UploadAudioOutput

REQUIRED_RATIO = 50.0


async def main() -> int:
    with emulator_settings() as (_server, settings, work):
        started = time.perf_counter()
        audio = write_tone_flac(work / "hour.flac", 3600.0)
        took = time.perf_counter() - started
        print(f"60-minute FLAC: {audio.stat().st_size / 1e6:.1f} MB ({took:.1f} s to write)")
        window = {"start": "30:00", "end": "31:00", "focus": "what can be heard"}

        clipped = await call_operation("describe_audio", {"audio": str(audio), **window}, settings=settings)
        assert isinstance(clipped, DescribeAudioOutput) and clipped.range.method == "clip"

        # Whole-file prompting: the file exists only remotely (a local original would be cut locally).
        remote_only = work / "uploaded-then-removed.flac"
        shutil.copy(audio, remote_only)
        up = await call_operation("upload_audio", {"audio": str(remote_only)}, settings=settings)
        assert isinstance(up, UploadAudioOutput)
        remote_only.unlink()
        whole = await call_operation("describe_audio", {"audio": up.name, **window}, settings=settings)
        assert isinstance(whole, DescribeAudioOutput) and whole.range.method == "prompt"

    ratio = whole.usage.audio_tokens / clipped.usage.audio_tokens
    for label, out in (("clipped range       ", clipped), ("whole-file prompting", whole)):
        print(f"{label}: {out.usage.audio_tokens:>7,} audio tokens ({out.usage.total_tokens:,} total)")
    print(f"ratio               : {ratio:.1f}x fewer audio tokens (required >= {REQUIRED_RATIO:g}x)")
    return 0 if ratio >= REQUIRED_RATIO else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
