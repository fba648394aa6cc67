"""A folder of recordings through the Batch API, and a submitter killed mid-submission then run again.

200 short spoken MP3s (espeak-ng, encoded with PyAV), 20 of them byte-identical copies under other names,
go through ``gemini-audio batch submit DIR/*.mp3 --format srt --out OUT --wait`` (a real subprocess) against
an in-process emulator. Targets: 180 audio uploads, the fewest batch creations the limits allow (one), and
an SRT for every one of the 200 files. Then, per trial, a fresh emulator project and cache: the submitter
is killed with SIGKILL at a random moment before its batch exists (uniform over the clean run's time to
create it), and run again to the end: still no audio or JSONL uploaded twice, still one batch, still every
file's SRT.

    python -m bench.batch [--kills 3] [--seed 13]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import av

from gemini_audio_tools.emulator import model as emulator_model
from gemini_audio_tools.emulator.server import EmulatorServer

FILES, DUPLICATES = 200, 20
CREATED_AFTER: float | None = None
"""Seconds from the clean run's start until it asked for its batch: kills land uniformly before that."""
_WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo"]


@dataclass
class Run:
    seconds: float
    exit_code: int
    audio_uploads: int
    distinct_audio: int
    jsonl_uploads: int
    distinct_jsonl: int
    batch_creations: int
    batches: int
    outputs: int
    outputs_with_speech: int


def make_recordings(folder: Path) -> list[Path]:
    """``FILES`` MP3s: distinct sentences, the last ``DUPLICATES`` copies of earlier files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    distinct = FILES - DUPLICATES
    for n in range(distinct):
        words = " ".join(_WORDS[(n + k) % len(_WORDS)] for k in range(3))
        path = folder / f"rec-{n:03d}.mp3"
        _speak(f"Recording {n}. {words}.", path)
        paths.append(path)
    for n in range(DUPLICATES):
        copy = folder / f"copy-{n:03d}.mp3"
        copy.write_bytes(paths[n * 7 % distinct].read_bytes())
        paths.append(copy)
    return paths


def _speak(text: str, path: Path) -> None:
    wav = subprocess.run(["espeak-ng", "-s", "150", "--stdout", text], check=True, capture_output=True).stdout
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        tmp.write(wav)
        tmp.flush()
        with av.open(tmp.name) as src, av.open(str(path), "w", format="mp3") as out:
            stream = out.add_stream("libmp3lame", rate=16_000, layout="mono")
            stream.bit_rate = 32_000
            resampler = av.AudioResampler(format="s16p", layout="mono", rate=16_000)
            for frame in src.decode(audio=0):
                for piece in resampler.resample(frame):
                    for packet in stream.encode(piece):
                        out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)


def start(server: EmulatorServer, files: list[Path], work: Path, *, wait: bool) -> subprocess.Popen[bytes]:
    """``gemini-audio batch submit FILES --format srt --out WORK/out [--wait]`` as a real subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GOOGLE_"))}
    env |= {"GOOGLE_GEMINI_BASE_URL": server.base_url, "GEMINI_API_KEY": "bench-key"}
    env["GEMINI_AUDIO_CACHE_DIR"] = str(work / "cache")
    command = [sys.executable, "-m", "gemini_audio_tools.cli", "batch", "submit", *map(str, files)]
    command += ["--format", "srt", "--out", str(work / "out"), *(["--wait"] if wait else [])]
    work.mkdir(parents=True, exist_ok=True)
    with (work / "stderr.log").open("ab") as log:  # a file, not a pipe: nothing blocks on a full buffer
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)


def submit(server: EmulatorServer, files: list[Path], work: Path, kill_after: float | None) -> int:
    """Run ``batch submit --wait``; with ``kill_after``, SIGKILL it then (returns -9). Sets
    :data:`CREATED_AFTER` to the seconds until the batch was asked for."""
    global CREATED_AFTER
    started = last = time.perf_counter()
    process = start(server, files, work, wait=True)
    if kill_after is None:
        while process.poll() is None:
            time.sleep(0.05)
            now = time.perf_counter()
            if CREATED_AFTER is None and server.state.faults.stats.requests["batches.create"]:
                CREATED_AFTER = now - started
            if now - last > 60:  # a line a minute: the first run transcribes every file
                last = now
                answered = server.state.faults.stats.requests["batches.request"]
                print(f"  ... {answered} request(s) answered so far", file=sys.stderr, flush=True)
        if process.returncode:
            print((work / "stderr.log").read_text(errors="replace")[-2000:], file=sys.stderr)
        return process.returncode
    try:
        process.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
    process.wait()
    return process.returncode


def measure(server: EmulatorServer, work: Path, seconds: float, code: int) -> Run:
    files = server.state.store.all()
    audio = [f.sha256_hex for f in files if f.mime_type.startswith("audio/")]
    jsonl = [f.sha256_hex for f in files if f.source == "UPLOADED" and not f.mime_type.startswith("audio/")]
    outputs = sorted((work / "out").glob("*.srt"))
    return Run(
        seconds=seconds,
        exit_code=code,
        audio_uploads=len(audio),
        distinct_audio=len(set(audio)),
        jsonl_uploads=len(jsonl),
        distinct_jsonl=len(set(jsonl)),
        batch_creations=server.state.faults.stats.requests["batches.create"],
        batches=len(server.state.batches.all()),
        outputs=len(outputs),
        outputs_with_speech=sum(1 for p in outputs if "-->" in p.read_text(encoding="utf-8")),
    )


def trial(server: EmulatorServer, files: list[Path], work: Path, kill_after: float | None) -> tuple[Run, str]:
    """One fresh project: optionally a killed submission, then a complete one."""
    server.state.reset()
    before = ""
    if kill_after is not None:
        submit(server, files, work, kill_after)
        stats = server.state.faults.stats.requests
        before = (
            f"killed at {kill_after:5.2f} s after {len(server.state.store.all())} file(s) stored, "
            f"{stats['batches.create']} batch(es) created"
        )
    started = time.perf_counter()
    code = submit(server, files, work, None)
    return measure(server, work, time.perf_counter() - started, code), before


def good(run: Run) -> bool:
    return (
        run.exit_code == 0
        and run.audio_uploads == run.distinct_audio == FILES - DUPLICATES
        and run.jsonl_uploads == run.distinct_jsonl == 1
        and run.batch_creations == run.batches == 1
        and run.outputs == run.outputs_with_speech == FILES
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=3, help="Killed-and-resumed trials (default 3).")
    parser.add_argument("--seed", type=int, default=13)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    # Every transcript stays in the emulator's memory, so the trials after the first run time the submitter,
    # not the recognizer (the replies are the same either way).
    emulator_model._CACHE_SIZE = FILES * 2
    with tempfile.TemporaryDirectory(prefix="gemini-audio-bench-") as tmp, EmulatorServer() as server:
        root = Path(tmp)
        started = time.perf_counter()
        files = make_recordings(root / "recordings")
        print(f"made {len(files)} recordings in {time.perf_counter() - started:.1f} s", flush=True)
        clean, _ = trial(server, files, root / "clean", None)
        created_at = CREATED_AFTER or 1.0
        print(f"{FILES} files ({DUPLICATES} duplicates), clean run: {_line(clean)}", flush=True)
        print(f"time from start to the batch's creation: {created_at:.2f} s", flush=True)
        results = [clean]
        for n in range(options.kills):
            kill_after = rng.uniform(0.3, created_at)
            run, what = trial(server, files, root / f"kill-{n}", kill_after)
            print(f"trial {n + 1}: {what}; re-run: {_line(run)}", flush=True)
            results.append(run)
    ok = all(good(r) for r in results)
    print(Counter("OK" if good(r) else "FAIL" for r in results))
    print("OK: 180 uploads, one batch, every file's SRT, kills included" if ok else "FAIL")
    return 0 if ok else 1


def _line(run: Run) -> str:
    return (
        f"{run.seconds:6.1f} s, exit {run.exit_code}, audio uploads {run.audio_uploads} "
        f"({run.distinct_audio} distinct), JSONL uploads {run.jsonl_uploads}, batch creations "
        f"{run.batch_creations}, SRTs "
        f"{run.outputs} ({run.outputs_with_speech} with speech)"
    )


if __name__ == "__main__":
    sys.exit(main())
