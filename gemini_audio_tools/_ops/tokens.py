"""count_audio_tokens: what audio (or a range) plus a prompt would cost, offline or from countTokens.

The estimate is exact arithmetic on the measured duration (Gemini bills 32 tokens per second of audio), plus
~4 characters per text token, and needs no key. ``exact=true`` asks the API (free): the audio alone, then the
prompt alone, so both parts are reported. A range of a remote file cannot be cut, and the whole file would be
billed, so that is what is counted.
"""

from __future__ import annotations

from typing import Literal

from google.genai import types

from ..backend.client import Backend
from ..backend.generate import count_tokens, remote_part
from ..context import RunContext
from ..paths import is_remote_file_ref
from ..schemas import AudioRange, CountAudioTokensInput, CountAudioTokensOutput
from ..tokens import AUDIO_TOKENS_PER_SECOND, estimate_audio_tokens, estimate_text_tokens
from ._audio import LocalAudio, open_source, pick_range, prepare, remote_range

Method = Literal["estimate", "api"]


async def count_audio_tokens(args: CountAudioTokensInput, ctx: RunContext) -> CountAudioTokensOutput:
    """Count input tokens for ``args.audio`` (range) plus ``args.prompt``.

    Raises:
        GeminiAudioError: bad path/range/audio; with exact=true or a remote file, API failures.
    """
    prompt = args.prompt or ""
    if not args.exact and not is_remote_file_ref(args.audio):
        source = await open_source(args.audio, ctx, None)
        assert isinstance(source, LocalAudio)
        rng = pick_range(args.start, args.end, source.info.duration_seconds)
        seconds = rng.end_seconds - rng.start_seconds
        return _output(
            ctx, seconds, estimate_audio_tokens(seconds), estimate_text_tokens(prompt), "estimate", rng
        )

    backend = Backend.from_settings(ctx.settings)
    source = await open_source(args.audio, ctx, backend)
    if isinstance(source, LocalAudio):
        rng = pick_range(args.start, args.end, source.info.duration_seconds)
        async with prepare(backend, source, rng, prompt=prompt, ctx=ctx) as prepared:
            audio_tokens = await count_tokens(
                backend, [prepared.part], action=f"counting tokens of {source.path.name}", file_name=None
            )
        seconds = rng.end_seconds - rng.start_seconds
    else:
        if args.exact or source.duration_seconds is None:
            # Unknown duration (uploaded elsewhere): countTokens measures it for free.
            audio_tokens = await count_tokens(
                backend,
                [remote_part(source.file)],
                action=f"counting tokens of {source.name}",
                file_name=source.name,
            )
            seconds = audio_tokens / AUDIO_TOKENS_PER_SECOND
        else:
            seconds = source.duration_seconds
            audio_tokens = estimate_audio_tokens(seconds)
            rng = remote_range(args.start, args.end, seconds)
            return _output(ctx, seconds, audio_tokens, estimate_text_tokens(prompt), "estimate", rng)
        rng = remote_range(args.start, args.end, seconds)
    prompt_tokens = 0
    if prompt:
        prompt_tokens = await count_tokens(
            backend, [types.Part.from_text(text=prompt)], action="counting prompt tokens"
        )
    return _output(ctx, seconds, audio_tokens, prompt_tokens, "api", rng)


def _output(
    ctx: RunContext, seconds: float, audio: int, prompt: int, method: Method, rng: AudioRange
) -> CountAudioTokensOutput:
    return CountAudioTokensOutput(
        audio_seconds=round(seconds, 3),
        audio_tokens=audio,
        prompt_tokens=prompt,
        total_tokens=audio + prompt,
        method=method,
        model=ctx.settings.model,
        range=rng,
    )
