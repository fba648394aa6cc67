"""Input tokens billed for ten questions about one 30-minute recording: with and without context caching.

Without a cache every question sends (and bills) the recording's 57,600 audio tokens again. With
``cache="auto"`` (the default) the first question sends the audio; the second puts it into a context cache
and reads it from there, as do the eight after it: cached tokens bill at the cached rate. ``cache="on"``
caches from the first question. Runs on the in-process emulator, whose ``usageMetadata`` counts the cached
tokens inside ``promptTokenCount`` and names them in ``cachedContentTokenCount``, as the real API does.
Must show >= 5x fewer billed-equivalent input tokens for ``auto``.

Billed-equivalent input tokens = uncached input tokens + cached tokens x :data:`CACHED_RATE`. Storage is
billed on top, per cached token and hour (:data:`STORAGE_RATE_PER_HOUR`); it is printed separately for the
time the cache lives here (from its creation to the last question, plus the TTL after it).

    python -m bench.context_cache
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, replace

from bench._common import emulator_settings, write_tone_flac
from gemini_audio_tools._ops._context_cache import CACHE_TTL_SECONDS
from gemini_audio_tools.config import Settings
from gemini_audio_tools.operations import call_operation
from gemini_audio_tools.schemas import AskAboutAudioOutput, Usage

REQUIRED_RATIO = 5.0
CACHED_RATE = 0.10
"""Price of a cached input token as a fraction of the uncached one: the Gemini API's pricing page lists the
context-caching price at a tenth of the input price, per modality, for current models (e.g. audio $1.00 vs
$0.10 per 1M tokens on 2.5 Flash; text $0.50 vs $0.05 on 3 Flash Preview)."""
STORAGE_RATE_PER_HOUR = 1.0
"""Storage of one cached token for one hour, as a fraction of the audio input price: $1.00 per 1M tokens per
hour against $1.00 per 1M audio input tokens on the Flash models whose prices are published."""
MINUTES = 30.0
QUESTIONS = (
    "How long is the recording?",
    "Is anyone speaking?",
    "How loud is it?",
    "Is there any silence?",
    "What is the pitch of the sound?",
    "Is it mono or stereo?",
    "What is its sample rate?",
    "Is there music or noise?",
    "Does it clip or distort?",
    "Is the sound tonal?",
)


@dataclass(frozen=True)
class Run:
    mode: str
    usage: Usage
    cache_seconds: float
    """How long the cache lives: from its creation to the last question, plus the TTL."""
    cached_requests: int
    """Questions answered from the cache."""

    @property
    def uncached(self) -> int:
        return self.usage.prompt_tokens - self.usage.cached_tokens

    @property
    def billed_input(self) -> float:
        return self.uncached + self.usage.cached_tokens * CACHED_RATE

    @property
    def storage(self) -> float:
        """Storage as input-token equivalents: the cache's size x hours x the storage rate."""
        size = self.usage.cached_tokens / max(1, self.cached_requests)
        return size * self.cache_seconds / 3600 * STORAGE_RATE_PER_HOUR


async def ask_ten(audio: str, mode: str, settings: Settings) -> Run:
    usage = Usage()
    created: float | None = None
    cached_requests = 0
    for question in QUESTIONS:
        args = {"audio": audio, "question": question, "cache": mode}
        out = await call_operation("ask_about_audio", args, settings=settings)
        assert isinstance(out, AskAboutAudioOutput)
        if out.usage.cached_tokens:
            cached_requests += 1
            created = created or time.monotonic()
        usage = Usage(
            prompt_tokens=usage.prompt_tokens + out.usage.prompt_tokens,
            audio_tokens=usage.audio_tokens + out.usage.audio_tokens,
            cached_tokens=usage.cached_tokens + out.usage.cached_tokens,
            output_tokens=usage.output_tokens + out.usage.output_tokens,
            total_tokens=usage.total_tokens + out.usage.total_tokens,
        )
    lives = 0.0 if created is None else time.monotonic() - created + CACHE_TTL_SECONDS
    return Run(mode, usage, lives, cached_requests)


async def main() -> int:
    with emulator_settings() as (_server, settings, work):
        audio = str(write_tone_flac(work / "talk.flac", MINUTES * 60))
        runs: dict[str, Run] = {}
        for mode in ("off", "auto", "on"):
            started = time.perf_counter()
            mode_settings = replace(settings, cache_dir=work / f"cache-{mode}")
            runs[mode] = await ask_ten(audio, mode, mode_settings)
            print(f"cache={mode:<4}: {len(QUESTIONS)} questions in {time.perf_counter() - started:.1f} s")

    base = runs["off"].billed_input
    print(f"\n{len(QUESTIONS)} questions about {MINUTES:g} min of audio; cached tokens at {CACHED_RATE:.0%}:")
    print("mode  input tokens  of them cached  billed-equivalent  ratio   + storage (TTL)  ratio")
    for mode, run in runs.items():
        with_storage = run.billed_input + run.storage
        print(
            f"{mode:<5} {run.usage.prompt_tokens:>12,} {run.usage.cached_tokens:>15,} "
            f"{run.billed_input:>18,.0f} {base / run.billed_input:>6.2f}x "
            f"{with_storage:>16,.0f} {base / with_storage:>6.2f}x"
        )
    ratio = base / runs["auto"].billed_input
    print(f"auto: {ratio:.2f}x fewer billed-equivalent input tokens (required >= {REQUIRED_RATIO:g}x)")
    return 0 if ratio >= REQUIRED_RATIO else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
