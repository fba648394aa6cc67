"""Long audio on the emulator: chunked transcription, 4-way concurrent vs sequential.

The audio is hours of silence with a spoken marker ("We are now at minute N of the recording", espeak-ng)
every few minutes, so the emulator's VAD skips almost everything and coverage is checked by which markers
come back, and where. The emulator delays each request in proportion to the audio it carries
(``FaultPlan.audio_latency``; default 300 s per hour: a 30-min chunk's ~15k output tokens at ~100 tokens/s),
as the real API's latency grows with audio length. Each run uses a fresh emulator model (the model caches
results by the bytes it heard, which would favour the second run). Prints wall times and their ratio,
coverage, whether timestamps are strictly monotonic, and how far each marker landed from where it was
spoken. Must show >= 3x at concurrency 4 with 100% coverage.

    python -m bench.long_audio                 # 2 h: concurrency 4 vs 1
    python -m bench.long_audio --hours 10 --latency-per-hour 60   # 10 h (> 9.5 h): concurrency 4 only
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.config import Settings
from gemini_audio_tools.emulator.model import OfflineModel
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.operations import call_operation
from gemini_audio_tools.schemas import TranscribeAudioOutput

DATA = Path(__file__).resolve().parent / ".data"
RATE = 16_000
REQUIRED_SPEEDUP = 3.0


def marker_pcm(minute: int) -> npt.NDArray[np.int16]:
    """The marker for ``minute`` spoken by espeak-ng (a sentence: Whisper tiny.en mishears bare numbers),
    as 16 kHz int16 samples."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "m.wav"
        subprocess.run(
            [
                "espeak-ng",
                "-s",
                "130",
                "-g",
                "3",
                "-w",
                str(wav),
                f"We are now at minute {minute} of the recording.",
            ],
            check=True,
        )
        pcm = decode_pcm(wav, RATE)
    return (pcm * 0.8 * 32767).astype(np.int16)


def long_audio(hours: float, every_minutes: int) -> tuple[Path, dict[int, float]]:
    """Cached FLAC of ``hours`` of silence with a marker at each ``every_minutes``-th minute (its second)."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"long-{hours:g}h-every{every_minutes}m.flac"
    total = round(hours * 3600 * RATE)
    markers = {m: float(m * 60) for m in range(every_minutes, int(hours * 60), every_minutes)}
    if path.exists():
        return path, markers
    spoken = {round(at * RATE): marker_pcm(m) for m, at in markers.items()}
    tmp = path.with_suffix(".part.flac")
    block = RATE * 10
    with av.open(str(tmp), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=RATE, layout="mono")
        for first in range(0, total, block):
            n = min(block, total - first)
            pcm = np.zeros(n, dtype=np.int16)
            for at, voice in spoken.items():  # markers overlapping this block
                if at < first + n and at + len(voice) > first:
                    lo, hi = max(at, first), min(at + len(voice), first + n)
                    pcm[lo - first : hi - first] = voice[lo - at : hi - at]
            frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = RATE
            frame.pts = first
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    tmp.rename(path)
    return path, markers


_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
)
_UNITS = {w: i for i, w in enumerate(_UNIT_WORDS.split(" "))}
_TENS = {
    w: 10 * i
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], 2)
}


def spoken_number(words: list[str]) -> int | None:
    """``['five', 'hundred', 'and', 'forty']`` or ``['540']`` -> 540; None if it is not a number."""
    if words and words[0].isdigit():
        return int(words[0])
    total, current, seen = 0, 0, False
    for w in words:
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w == "and" and seen:
            continue
        else:
            break
        seen = True
    return total + current if seen else None


def found_markers(out: TranscribeAudioOutput) -> dict[int, float]:
    """Marker number -> start of the segment it was heard in."""
    found: dict[int, float] = {}
    for seg in out.segments:
        words = re.sub(r"[^a-z0-9 ]", " ", seg.text.lower().replace("-", " ")).split()
        for i, w in enumerate(words):
            if w == "minute" and (n := spoken_number(words[i + 1 :])) is not None:
                found.setdefault(n, seg.start)
    return found


async def transcribe(
    audio: Path, work: Path, concurrency: int, per_hour: float
) -> tuple[float, TranscribeAudioOutput]:
    """Transcribe on a fresh emulator (fresh model cache); returns the wall time and the complete output."""
    with EmulatorServer(model=OfflineModel()) as server:
        server.state.faults.audio_latency(per_hour)
        settings = Settings(
            api_key="bench-key",
            base_url=server.base_url,
            allowed_dirs=(audio.parent, work),
            cache_dir=work / f"cache-{concurrency}",
            max_concurrency=concurrency,
        )
        started = time.perf_counter()
        out = await call_operation("transcribe_audio", {"audio": str(audio)}, settings=settings)
        took = time.perf_counter() - started
    assert isinstance(out, TranscribeAudioOutput)
    from gemini_audio_tools.transcript_store import TRANSCRIPTS  # a paged result: read the complete one

    if out.transcript_uri and (entry := TRANSCRIPTS.get(out.transcript_uri)) is not None:
        out = entry.output
    return took, out


def report(label: str, took: float, out: TranscribeAudioOutput, markers: dict[int, float]) -> bool:
    """Print one run's numbers; True when every marker came back in place, in order, with no failed chunk.

    Coverage counts a marker sentence as returned when a segment mentioning "minute" or "recording" starts
    within 3 s of where it was spoken; separately, how many of those the recognizer also heard the right
    number in (Whisper tiny.en sometimes mishears a number, which says nothing about chunking).
    """
    heard = {m: at for m, at in found_markers(out).items() if m in markers}
    returned = {
        m
        for m, at in markers.items()
        if any(
            abs(s.start - at) <= 3.0 and ("minute" in s.text.lower() or "recording" in s.text.lower())
            for s in out.segments
        )
    }
    starts = [s.start for s in out.segments]
    monotonic = all(a < b for a, b in itertools.pairwise(starts)) and all(
        s.start <= s.end for s in out.segments
    )
    drift = max((abs(heard[m] - markers[m]) for m in heard), default=0.0)
    failed = [c for c in out.chunks if c.status != "ok"]
    longest = max((c.end_seconds - c.start_seconds for c in out.chunks), default=out.range.end_seconds)
    coverage = 100 * len(returned) / len(markers)
    pad = " " * len(label)
    print(
        f"{label}: {took:7.1f} s wall, {len(out.chunks)} chunks (longest {longest / 60:.1f} min, "
        f"{len(failed)} failed), {len(out.segments)} segments"
    )
    print(f"{pad}  coverage: {len(returned)}/{len(markers)} marker sentences back in place = {coverage:.1f}%")
    print(f"{pad}  numbers heard right: {len(heard)}/{len(markers)}, max offset {drift:.2f} s")
    print(f"{pad}  timestamps strictly monotonic: {monotonic}")
    missing = sorted(set(markers) - returned)
    if missing:
        print(f"{pad}  missing marker sentences (minute): {missing}")
    return len(returned) == len(markers) and monotonic and not failed


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument(
        "--every", type=int, default=0, help="minutes between markers (default 5; 10 for 10 h)"
    )
    parser.add_argument(
        "--latency-per-hour", type=float, default=300.0, help="emulator latency, s per audio hour"
    )
    parser.add_argument("--sequential", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args(argv)
    every = args.every or (5 if args.hours <= 4 else 10)
    started = time.perf_counter()
    audio, markers = long_audio(args.hours, every)
    print(
        f"{args.hours:g} h FLAC, a marker every {every} min ({len(markers)} markers): "
        f"{audio.stat().st_size / 1e6:.1f} MB ({time.perf_counter() - started:.1f} s to make or find)"
    )
    print(f"emulator latency: {args.latency_per_hour:g} s per hour of audio in a request")
    sequential = args.sequential if args.sequential is not None else args.hours <= 4
    ok = True
    with tempfile.TemporaryDirectory(prefix="gemini-audio-bench-") as tmp:
        work = Path(tmp)
        took4, out4 = await transcribe(audio, work, 4, args.latency_per_hour)
        ok &= report("concurrency 4", took4, out4, markers)
        if sequential:
            took1, out1 = await transcribe(audio, work, 1, args.latency_per_hour)
            ok &= report("concurrency 1", took1, out1, markers)
            speedup = took1 / took4
            print(f"speed-up at concurrency 4: {speedup:.2f}x (required >= {REQUIRED_SPEEDUP:g}x)")
            ok &= speedup >= REQUIRED_SPEEDUP
    if args.hours > 9.5:
        print(
            f"{args.hours:g} h > 9.5 h, the most one request can carry: split into {len(out4.chunks)} chunks"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
