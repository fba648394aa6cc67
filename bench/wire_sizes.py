"""Bench: bytes per audio hour of each wire profile, and whether compact MP3 is still heard word for word.

    python -m bench.wire_sizes                      # espeak-ng speech, generated here
    python -m bench.wire_sizes a.wav b.m4a ...      # your own recordings (any format FFmpeg reads)

Target (issue 12): ``compact`` at most 15 MB per audio hour for every input. Each input is encoded whole
with each profile (``encode_range``); with the emulator's recognizer installed (the ``emulator`` extra and
its Whisper model), the compact MP3 at each of its bit rates is transcribed and compared with the
transcript of the source (word error rate; 0 means the same words).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import av
import numpy as np

from gemini_audio_tools.audio import profiles
from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.audio.encode import encode_range
from gemini_audio_tools.audio.probe import AudioInfo, probe_audio

HOUR = 3600
LIMIT_MB = 15.0
TEXT = (
    "Good morning and welcome to the weekly team meeting. First, we will look at the numbers from last "
    "week. Sales went up by ten percent, which is good news for everyone. Second, the new office opens in "
    "the spring. There will be more room for the whole team and a larger kitchen. Third, please send your "
    "holiday plans to Anna before Friday. That is all for today. Thank you for listening."
)


def _speech_inputs(where: Path) -> list[Path]:
    """The speech as a 44.1 kHz stereo WAV (a recorder), a 96 kbps M4A (a phone) and a WebM (a browser)."""
    raw = where / "speech-22k.wav"
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(raw), TEXT], check=True)
    pcm = decode_pcm(raw, 44100)
    stereo = np.stack([pcm, pcm * 0.9]).astype(np.float32)
    made = []
    for name, muxer, codec, rate in (
        ("recorder.wav", "wav", "pcm_s16le", 44100),
        ("phone.m4a", "ipod", "aac", 44100),
        ("browser.webm", "webm", "libopus", 48000),
    ):
        path = where / name
        resampled = stereo if rate == 44100 else np.stack([decode_pcm(raw, rate)] * 2).astype(np.float32)
        with av.open(str(path), "w", format=muxer) as out:
            stream = out.add_stream(codec, rate=rate, layout="stereo")
            if codec == "aac":
                stream.bit_rate = 96_000
            frame = av.AudioFrame.from_ndarray(resampled, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = rate, 0
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                out.mux(packet)
        made.append(path)
    return made


def _recognizer() -> object | None:
    try:
        from gemini_audio_tools.emulator.model import default_model

        return default_model().recognizer()
    except Exception:  # the optional model is not installed: sizes only
        return None


def _words(recognizer: object, path: Path) -> list[str]:
    segments = recognizer.transcribe(decode_pcm(path))  # type: ignore[attr-defined]
    return re.findall(r"[a-z0-9']+", " ".join(s.text for s in segments).lower())


def _wer(ref: list[str], hyp: list[str]) -> float:
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, row[0] = row[:], i
        for j in range(1, len(hyp) + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ref[i - 1] != hyp[j - 1]))
    return row[-1] / max(1, len(ref))


def main(argv: list[str]) -> int:
    """Print MB per audio hour per profile (and compact's word error rates); exit 1 if compact is over
    15 MB per audio hour for an input."""
    recognizer = _recognizer()
    missed = 0
    with tempfile.TemporaryDirectory(prefix="bench-wire-") as tmp:
        inputs = [Path(a) for a in argv] or _speech_inputs(Path(tmp))
        print(f"{'input':<22}{'source':>9}{'compact':>9}{'flac':>8}{'original':>10}  (MB per audio hour)")
        for path in inputs:
            info = probe_audio(path)
            sizes = [info.size_bytes / info.duration_seconds * HOUR / 1e6]
            for profile in profiles.PROFILES:
                with encode_range(path, info, None, None, profile=profile) as out:
                    sizes.append(out.size_bytes / out.duration_seconds * HOUR / 1e6)
            missed += sizes[1] > LIMIT_MB
            line = f"{path.name:<22}" + "".join(f"{s:>9.1f}" for s in sizes)
            if recognizer is not None:
                line += "   compact WER " + ", ".join(_compact_wer(recognizer, path, info))
            print(line + ("   MISSED" if sizes[1] > LIMIT_MB else ""))
    return 1 if missed else 0


def _compact_wer(recognizer: object, path: Path, info: AudioInfo) -> list[str]:
    """Word error rate of compact MP3 at each of its bit rates against the source's own transcript (each
    rate forced by making it the only one compact may choose)."""
    reference = _words(recognizer, path)
    rates = profiles.COMPACT_BIT_RATES
    found = []
    try:
        for rate in rates:
            setattr(profiles, "COMPACT_BIT_RATES", (rate,))  # noqa: B010 - a constant, swapped for the bench
            with encode_range(path, info, None, None, profile="compact") as out:
                found.append(f"{rate // 1000} kbps {_wer(reference, _words(recognizer, out.path)):.3f}")
    finally:
        setattr(profiles, "COMPACT_BIT_RATES", rates)  # noqa: B010
    return found


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
