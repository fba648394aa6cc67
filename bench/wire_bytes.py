"""Bench: bytes sent per audio hour through the real path, for each input format, and the words kept.

    python -m bench.wire_bytes          # first run downloads the moonshine-voice wheel into bench/.data/

Targets (issue 12): with the default ``compact`` wire format, at most 15 MB of audio sent per audio hour for
every input, and a word error rate at most 0.02 above the original's, on real voices.

Each input (``bench/_voices.py``: WAV 44.1 kHz stereo, FLAC, MP3 128 kbps, M4A, Opus, an MP4 video; all the
same three recordings of real voices, 83 s in all) is transcribed by ``transcribe_audio`` on the emulator,
through the real google-genai SDK over HTTP. What was sent is read twice: ``sent.bytes`` (the audio the
library put in the request) and the emulator's own counter of request-body bytes received (everything on
the wire: inline audio travels base64-encoded in JSON, 4/3 of its size, plus the prompt and config). The
two must agree to within the framing, or the row fails.

Word error rates: the recordings ship without their text, so the reference words are the emulator's
recognizer reading each master WAV directly (beam search, no prompt): the most careful offline hearing of the
uncompressed original. The original itself is then sent as it is (``wire_format="original"``: uncompressed
PCM) and its transcript scored the same way; an input's *loss* is its WER minus the original's, the words
that compact encoding (and the source codec) cost. ``vs orig`` is the stricter distance between the two
transcripts, which also counts words the recognizer hears in one and not the other for no codec reason.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gemini_audio_tools.audio.decode import decode_pcm
from gemini_audio_tools.config import Settings
from gemini_audio_tools.emulator.model import default_model
from gemini_audio_tools.emulator.recognizer import Decoding
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.operations import call_operation
from gemini_audio_tools.schemas import Sent, TranscribeAudioOutput

from ._common import emulator_settings
from ._voices import VOICES, Variant, build_inputs

HOUR = 3600
LIMIT_MB = 15.0
"""Audio bytes sent per audio hour (MB, decimal)."""
LIMIT_LOSS = 0.02
"""Word error rate above the original's."""
BASE64 = 4 / 3
MAX_FRAMING = 64_000
"""Request bytes beyond the base64 audio that the cross-check accepts per request (prompt, config, JSON)."""


@dataclass(frozen=True)
class Measured:
    """Transcriptions of one input format: what the library says it sent, what reached the emulator, what
    was heard (one transcript per recording)."""

    sent: list[Sent]
    wire_bytes: int
    seconds: float
    heard: list[list[str]]

    @property
    def sent_bytes(self) -> int:
        return sum(s.bytes for s in self.sent)

    @property
    def framing(self) -> int:
        """Request bytes beyond the base64 of the audio: small when the two counts agree."""
        return self.wire_bytes - sum(4 * -(-s.bytes // 3) for s in self.sent)

    def per_hour(self, n: int) -> float:
        return n / self.seconds * HOUR / 1e6

    def wer(self, reference: list[list[str]]) -> tuple[float, list[int]]:
        """Word error rate over all recordings against ``reference``, and the errors per recording."""
        errors = [word_errors(ref, hyp) for ref, hyp in zip(reference, self.heard, strict=True)]
        return sum(errors) / max(1, sum(map(len, reference))), errors


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Substitutions + deletions + insertions turning ``reference`` into ``hypothesis``."""
    row = list(range(len(hypothesis) + 1))
    for i in range(1, len(reference) + 1):
        prev, row[0] = row[:], i
        for j in range(1, len(hypothesis) + 1):
            cost = reference[i - 1] != hypothesis[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
    return row[-1]


def reference_words(masters: list[Path]) -> list[list[str]]:
    """What each master says, as the emulator's recognizer hears it with care (beam 5, no prompt).

    Raises:
        SystemExit: the recognizer is not installed (the ``emulator`` extra).
    """
    recognizer = default_model().recognizer()
    if recognizer is None:
        sys.exit("the emulator's recognizer is not installed: pip install -e '.[emulator]'")
    careful = Decoding(beam_size=5)
    return [
        words(" ".join(s.text for s in recognizer.transcribe(decode_pcm(path), decoding=careful)))
        for path in masters
    ]


async def measure(server: EmulatorServer, settings: Settings, paths: list[Path]) -> Measured:
    """Transcribe each of ``paths`` once, counting the request bytes the emulator received for them."""
    server.state.faults.reset_stats()
    sent, heard, seconds = [], [], 0.0
    for path in paths:
        out = await call_operation("transcribe_audio", {"audio": str(path)}, settings=settings)
        assert isinstance(out, TranscribeAudioOutput) and out.sent is not None
        sent.append(out.sent)
        heard.append(words(out.text))
        seconds += out.range.end_seconds - out.range.start_seconds
    received = sum(server.state.faults.stats.bytes_received.values())
    return Measured(sent, received, seconds, heard)


def row(
    variant: Variant, source_bytes: int, got: Measured, reference: list[list[str]], original: Measured
) -> tuple[str, bool]:
    """The printed line for one input format, and whether it met every target."""
    sent_mb, wire_mb = got.per_hour(got.sent_bytes), got.per_hour(got.wire_bytes)
    wer, errors = got.wer(reference)
    loss = wer - original.wer(reference)[0]
    vs_original = got.wer(original.heard)[0]
    agrees = {s.via for s in got.sent} == {"inline"} and 0 <= got.framing <= MAX_FRAMING * len(got.sent)
    verdicts = [sent_mb <= LIMIT_MB, loss <= LIMIT_LOSS, agrees]
    first = got.sent[0]
    how = f"{first.format.removeprefix('audio/')}{', converted' if first.transcoded else ''}"
    line = (
        f"{variant.label:<26}{got.per_hour(source_bytes):>8.1f}  {how:<15}{sent_mb:>7.2f}{wire_mb:>7.2f}"
        f"{got.framing:>9,}{wer:>7.3f}{loss:>+7.3f}{vs_original:>8.3f} {'+'.join(map(str, errors)):>8}  "
        + " ".join(f"{'PASS' if ok else 'FAIL':<6}" for ok in verdicts)
    )
    return line.rstrip(), all(verdicts)


async def run(work: Path) -> int:
    inputs = build_inputs(work)
    masters = next(iter(inputs.values()))
    reference = reference_words(masters)
    with emulator_settings() as (server, settings, _):
        settings = settings.with_(allowed_dirs=(work,))
        original = await measure(server, settings.with_(wire_format="original"), masters)
        assert {s.format for s in original.sent} == {"audio/wav"}
        assert original.sent_bytes == sum(p.stat().st_size for p in masters)
        wer, errors = original.wer(reference)
        print(
            f"Reference: {len(masters)} recordings ({', '.join(VOICES)}; {original.seconds:.1f} s, "
            f"{sum(map(len, reference))} words heard in the masters).\nOriginal: each master WAV sent "
            f"uncompressed ({original.per_hour(original.sent_bytes):.1f} MB per audio hour), WER {wer:.3f} "
            f"({'+'.join(map(str, errors))} errors per recording).\n"
        )
        header = (
            f"{'input (compact wire format)':<26}{'source':>8}  {'sent as':<15}{'sent':>7}{'wire':>7}"
            f"{'framing':>9}{'WER':>7}{'loss':>7}{'vs orig':>8}{'errors':>9}  {'bytes':<7}{'words':<7}counts"
        )
        units = (
            f"{'':<26}{'MB/h':>8}  {'':<15}{'MB/h':>7}{'MB/h':>7}{'bytes':>9}{'':>22}{'per rec':>9}  "
            f"{'<=15MB':<7}{'loss':<7}agree"
        )
        print(f"{header}\n{units}\n{'-' * len(header)}")
        met = 0
        for variant, paths in inputs.items():
            got = await measure(server, settings, paths)
            line, ok = row(variant, sum(p.stat().st_size for p in paths), got, reference, original)
            met += ok
            print(line)
    print(
        "\nsent: sent.bytes, the audio the library put in the requests; wire: request bodies the emulator "
        f"received (inline audio is base64 in JSON, {BASE64:.3f}x); framing: wire bytes beyond the base64 "
        "audio.\nWER against the words heard in the masters; loss: WER minus the original's; vs orig: WER "
        f"against the original's transcript.\nTargets: sent <= {LIMIT_MB:g} MB per audio hour; loss <= "
        f"{LIMIT_LOSS} (bytes, words); counts agree: sent.bytes matches the wire within the framing. "
        f"{met} of {len(inputs)} inputs pass every check."
    )
    return 0 if met == len(inputs) else 1


def main() -> int:
    """Print the table; exit 1 when an input misses a target (or the two byte counts disagree)."""
    with tempfile.TemporaryDirectory(prefix="bench-wire-bytes-") as tmp:
        return asyncio.run(run(Path(tmp).resolve()))


if __name__ == "__main__":
    sys.exit(main())
