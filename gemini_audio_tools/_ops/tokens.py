"""count_audio_tokens: what audio (or a range) plus a prompt would cost, offline or from countTokens.

The estimate is exact arithmetic on the measured duration (Gemini bills 32 tokens per second of audio), plus
~4 characters per text token, and needs no key. ``exact=true`` asks the API (free) for what would be sent:
the audio alone, then the prompt alone, so both parts are reported. A range of a remote file cannot be cut,
and the whole file would be billed, so that is what is counted; a remote file whose length the upload cache
does not know was measured by countTokens already, which is then the count.
"""

from __future__ import annotations

from typing import Literal

from google.genai import types

from ..backend.client import Backend
from ..backend.generate import count_tokens, remote_part
from ..backend.model_choice import ModelChoice, choose_model
from ..context import RunContext
from ..schemas import CountAudioTokensInput, CountAudioTokensOutput
from ..tokens import AUDIO_TOKENS_PER_SECOND, estimate_audio_tokens, estimate_text_tokens
from ._source import LocalAudio, Selection, select_audio
from ._wire import prepare

Method = Literal["estimate", "api"]


async def count_audio_tokens(args: CountAudioTokensInput, ctx: RunContext) -> CountAudioTokensOutput:
    """Count input tokens for ``args.audio`` (range) plus ``args.prompt``.

    Raises:
        GeminiAudioError: bad path/range/audio; with exact=true or a remote file, API failures.
    """
    prompt = args.prompt or ""
    model = choose_model(args.model, ctx.settings, "general")
    async with select_audio(args.audio, args.start, args.end, ctx, track=args.track) as selection:
        source = selection.source
        if isinstance(source, LocalAudio):
            seconds = selection.span.seconds
            if not args.exact:
                return _estimate(model, selection, seconds, prompt)
            backend = Backend.from_settings(ctx.settings)
            async with prepare(backend, selection, prompt=prompt, ctx=ctx) as prepared:
                audio = await count_tokens(
                    backend, [prepared.part], model=model, action=f"counting tokens of {source.name}"
                )
        else:
            audio = source.counted_tokens or 0
            if source.counted_tokens is None and not args.exact:
                seconds = source.duration_seconds
                return _estimate(model, selection, seconds, prompt)
            backend = Backend.from_settings(ctx.settings)
            if source.counted_tokens is None:
                audio = await count_tokens(
                    backend,
                    [remote_part(source.file)],
                    model=model,
                    action=f"counting tokens of {source.name}",
                    file_name=source.name,
                )
            seconds = audio / AUDIO_TOKENS_PER_SECOND
    prompt_tokens = 0
    if prompt:
        prompt_tokens = await count_tokens(
            backend, [types.Part.from_text(text=prompt)], model=model, action="counting prompt tokens"
        )
    return _output(model, selection, seconds, audio, prompt_tokens, "api")


def _estimate(
    model: ModelChoice, selection: Selection, seconds: float, prompt: str
) -> CountAudioTokensOutput:
    audio, text = estimate_audio_tokens(seconds), estimate_text_tokens(prompt)
    return _output(model, selection, seconds, audio, text, "estimate")


def _output(
    model: ModelChoice, selection: Selection, seconds: float, audio: int, prompt: int, method: Method
) -> CountAudioTokensOutput:
    return CountAudioTokensOutput(
        audio_seconds=round(seconds, 3),
        audio_tokens=audio,
        prompt_tokens=prompt,
        total_tokens=audio + prompt,
        method=method,
        model=model.id,
        range=selection.range,
    )
