"""describe_audio, ask_about_audio: audio (or a range of it) plus a question or focus, to a general model.

Both take their audio through :mod:`._source` and :mod:`._wire` like every operation; audio too long for one
request is described or asked per chunk and the parts are combined (:mod:`._map_reduce`).
"""

from __future__ import annotations

from ..backend.prompts import ask_prompt, describe_prompt
from ..context import RunContext
from ..schemas import AskAboutAudioInput, AskAboutAudioOutput, DescribeAudioInput, DescribeAudioOutput
from ._limits import LIMITS, Limits
from ._map_reduce import free_text


async def describe_audio(args: DescribeAudioInput, ctx: RunContext) -> DescribeAudioOutput:
    """Run describe_audio with the default limits."""
    return await describe_with(args, ctx, LIMITS)


async def describe_with(args: DescribeAudioInput, ctx: RunContext, limits: Limits) -> DescribeAudioOutput:
    """Describe or summarize the audio (or a range); audio too long for ``limits`` is described per chunk
    and the parts are combined by one more (text-only) request.

    Raises:
        GeminiAudioError: bad arguments, or the request(s) failed (all chunks, when chunked).
    """
    task = f"Describe the audio{f', focusing on: {args.focus}' if args.focus else ''}."
    out = await free_text(
        args.audio,
        args.start,
        args.end,
        ctx,
        verb="describing",
        task=task,
        make_prompt=lambda hint: describe_prompt(args.focus, hint),
        chunk_seconds=limits.other_chunk_seconds,
        max_output_tokens=limits.max_output_tokens,
        model=args.model,
        track=args.track,
        cache=args.cache,
    )
    return DescribeAudioOutput(text=out.text, **out.shared())


async def ask_about_audio(args: AskAboutAudioInput, ctx: RunContext) -> AskAboutAudioOutput:
    """Run ask_about_audio with the default limits."""
    return await ask_with(args, ctx, LIMITS)


async def ask_with(args: AskAboutAudioInput, ctx: RunContext, limits: Limits) -> AskAboutAudioOutput:
    """Answer a question about the audio (or a range); long audio is asked per chunk, then the partial
    answers are combined into one.

    Raises:
        GeminiAudioError: bad arguments, or the request(s) failed.
    """
    out = await free_text(
        args.audio,
        args.start,
        args.end,
        ctx,
        verb="answering a question about",
        task=f"Answer this question about the audio: {args.question}",
        make_prompt=lambda hint: ask_prompt(args.question, hint),
        chunk_seconds=limits.other_chunk_seconds,
        max_output_tokens=limits.max_output_tokens,
        model=args.model,
        track=args.track,
        cache=args.cache,
    )
    return AskAboutAudioOutput(answer=out.text, **out.shared())
