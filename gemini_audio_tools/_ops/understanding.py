"""transcribe_audio, describe_audio, ask_about_audio: audio (or a range of it) plus a prompt, to the model.

All three share the audio handling of :mod:`._audio` (local cut vs. remote prompt-range, inline vs. upload)
and the chunking of :mod:`._chunks`. Transcripts come back as JSON segments, are shifted onto the file's
timeline, stitched across chunks and rendered; a transcript longer than one tool result is paged with a time
cursor, and chunks past the page are not even requested.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..backend.client import Backend
from ..backend.generate import Generation, add_usage, generate
from ..backend.prompts import ask_prompt, describe_prompt, transcribe_prompt, transcript_schema
from ..backend.retry import Attempts
from ..context import RunContext
from ..schemas import (
    AskAboutAudioInput,
    AskAboutAudioOutput,
    AudioRange,
    ChunkReport,
    DescribeAudioInput,
    DescribeAudioOutput,
    Segment,
    TranscribeAudioInput,
    TranscribeAudioOutput,
    Usage,
)
from ..transcripts import clock, paginate, parse_segments, rebase, render, stitch
from ._audio import (
    PROMPT_RANGE_NOTE,
    LocalAudio,
    RemoteAudio,
    Source,
    apply_cursor,
    open_with_range,
    prepare,
)
from ._chunks import ChunkOutcome, Span, failure_notes, plan_spans, run_chunks, span_range


@dataclass(frozen=True)
class Limits:
    """How much audio one request carries, and how much transcript one tool result returns."""

    transcript_chunk_seconds: float = 1800.0
    """30 min: ~250 output tokens per minute of speech plus JSON framing stays far below the 65,536-token
    output limit, and pages stay cheap to continue."""
    other_chunk_seconds: float = 8 * 3600.0
    """Descriptions/answers: 8 h keeps 32 tokens/s under the 1M-token input window (9.1 h)."""
    overlap_seconds: float = 5.0
    page_chars: int = 40_000
    """~10k tokens of transcript per tool result, below common MCP client output caps."""
    max_output_tokens: int | None = None
    """Cap on each reply (None: the model's own limit, 65,536 for Gemini 2.5)."""


LIMITS = Limits()


# --- transcribe ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ChunkTranscript:
    segments: list[Segment]
    usage: Usage
    cut_at: float | None
    """Where the reply stopped when it hit the output-token limit (file timeline)."""


async def transcribe_audio(args: TranscribeAudioInput, ctx: RunContext) -> TranscribeAudioOutput:
    """Run transcribe_audio with the default limits."""
    return await transcribe_with(args, ctx, LIMITS)


async def transcribe_with(
    args: TranscribeAudioInput, ctx: RunContext, limits: Limits
) -> TranscribeAudioOutput:
    """Transcribe ``args.audio`` (range, chunks and pages as ``limits`` say).

    Raises:
        GeminiAudioError: bad arguments, or the request(s) failed (all chunks, when chunked).
    """
    backend = Backend.from_settings(ctx.settings)
    source, rng = await open_with_range(args.audio, args.start, args.end, ctx, backend)
    rng = apply_cursor(rng, args.cursor, remote=isinstance(source, RemoteAudio))
    spans = plan_spans(source, rng, limits.transcript_chunk_seconds, limits.overlap_seconds, "a transcript")
    single = len(spans) == 1
    schema = transcript_schema(speakers=args.speakers)

    async def work(span: Span, attempts: Attempts) -> _ChunkTranscript:
        part_range = span_range(rng, span, single)
        base_prompt = transcribe_prompt(speakers=args.speakers)
        async with prepare(backend, source, part_range, prompt=base_prompt, ctx=ctx) as prepared:
            prompt = transcribe_prompt(speakers=args.speakers, range_hint=prepared.range_hint)
            result = await generate(
                backend,
                prepared.part,
                prompt,
                action=f"transcribing {_what(source, span)}",
                schema=schema,
                attempts=attempts,
                file_name=prepared.file_name,
                max_output_tokens=limits.max_output_tokens,
            )
        segments = rebase(parse_segments(result.text), prepared.offset, span.start, span.end)
        cut_at = (
            (segments[-1].end if segments else span.start) if result.finish_reason == "MAX_TOKENS" else None
        )
        return _ChunkTranscript(segments, result.usage, cut_at)

    def enough(done: list[_ChunkTranscript]) -> bool:
        return sum(len(s.text) + 40 for c in done for s in c.segments) > limits.page_chars

    outcomes = await run_chunks(spans, work, ctx=ctx, what="transcribing", enough=enough)
    return _transcript_output(args, ctx, rng, source, spans, outcomes, limits)


def _what(source: Source, span: Span) -> str:
    name = source.path.name if isinstance(source, LocalAudio) else source.name
    return f"{name} {span.label}"


def _transcript_output(
    args: TranscribeAudioInput,
    ctx: RunContext,
    rng: AudioRange,
    source: Source,
    spans: Sequence[Span],
    outcomes: Sequence[ChunkOutcome[_ChunkTranscript]],
    limits: Limits,
) -> TranscribeAudioOutput:
    notes: list[str] = []
    usage = Usage()
    parts = []
    cut: float | None = None
    for outcome in outcomes:
        if outcome.value is None:
            continue
        usage = add_usage(usage, outcome.value.usage)
        parts.append((outcome.span.keep_start, outcome.span.keep_end, outcome.value.segments))
        cut_at = outcome.value.cut_at
        if cut_at is not None:
            notes.append(
                f"The transcript of {outcome.span.label} stopped at the model's output limit at "
                f"{clock(cut_at)}."
            )
            if cut is None and cut_at > outcome.span.start:
                cut = cut_at
    notes.extend(failure_notes(outcomes))
    segments = stitch(parts)
    if cut is not None:  # end the page at the first gap, so continuing by cursor fills it
        segments = [s for s in segments if s.start < cut]
    page, rest = paginate(segments, limits.page_chars)
    next_cursor = rest if rest is not None else cut
    if next_cursor is None and len(outcomes) < len(spans):
        next_cursor = spans[len(outcomes)].keep_start
    if rng.method == "prompt":
        notes.insert(0, PROMPT_RANGE_NOTE)
    if not segments and not notes:
        notes.append("No speech was recognized in this audio.")
    return TranscribeAudioOutput(
        text=render(page, args.format, timestamps=args.timestamps, speakers=args.speakers),
        segments=page,
        range=rng,
        model=ctx.settings.model,
        usage=usage,
        chunks=[o.report for o in outcomes] if len(spans) > 1 else [],
        next_cursor=clock(next_cursor) if next_cursor is not None else None,
        notes=notes,
    )


# --- describe / ask -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FreeText:
    text: str
    range: AudioRange
    usage: Usage
    chunks: list[ChunkReport]
    notes: list[str]


async def _free_text(
    audio: str,
    start: str | None,
    end: str | None,
    ctx: RunContext,
    verb: str,
    make_prompt: Callable[[str | None], str],
    limits: Limits = LIMITS,
) -> _FreeText:
    """One free-text answer per chunk (usually one), labelled by span when the audio had to be split."""
    backend = Backend.from_settings(ctx.settings)
    source, rng = await open_with_range(audio, start, end, ctx, backend)
    spans = plan_spans(source, rng, limits.other_chunk_seconds, 0.0, verb)
    single = len(spans) == 1

    async def work(span: Span, attempts: Attempts) -> Generation:
        part_range = span_range(rng, span, single)
        async with prepare(backend, source, part_range, prompt=make_prompt(None), ctx=ctx) as prepared:
            return await generate(
                backend,
                prepared.part,
                make_prompt(prepared.range_hint),
                action=f"{verb} {_what(source, span)}",
                attempts=attempts,
                file_name=prepared.file_name,
                max_output_tokens=limits.max_output_tokens,
            )

    outcomes = await run_chunks(spans, work, ctx=ctx, what=verb)
    usage = Usage()
    texts = []
    notes = [PROMPT_RANGE_NOTE] if rng.method == "prompt" else []
    for outcome in outcomes:
        if outcome.value is None:
            continue
        usage = add_usage(usage, outcome.value.usage)
        text = outcome.value.text.strip()
        texts.append(text if single else f"[{outcome.span.label}]\n{text}")
        if outcome.value.finish_reason == "MAX_TOKENS":
            notes.append(f"The text for {outcome.span.label} was cut at the model's output limit.")
    notes.extend(failure_notes(outcomes))
    chunks = [] if single else [o.report for o in outcomes]
    return _FreeText("\n\n".join(texts), rng, usage, chunks, notes)


async def describe_audio(args: DescribeAudioInput, ctx: RunContext) -> DescribeAudioOutput:
    """Run describe_audio with the default limits."""
    return await describe_with(args, ctx, LIMITS)


async def describe_with(args: DescribeAudioInput, ctx: RunContext, limits: Limits) -> DescribeAudioOutput:
    """Describe or summarize the audio (or a range); audio too long for ``limits`` is described per chunk.

    Raises:
        GeminiAudioError: bad arguments, or the request(s) failed (all chunks, when chunked).
    """
    out = await _free_text(
        args.audio,
        args.start,
        args.end,
        ctx,
        "describing",
        lambda hint: describe_prompt(args.focus, hint),
        limits,
    )
    return DescribeAudioOutput(
        text=out.text,
        range=out.range,
        model=ctx.settings.model,
        usage=out.usage,
        chunks=out.chunks,
        notes=out.notes,
    )


async def ask_about_audio(args: AskAboutAudioInput, ctx: RunContext) -> AskAboutAudioOutput:
    """Answer a question about the audio (or a range).

    Raises:
        GeminiAudioError: bad arguments, or the request(s) failed.
    """
    out = await _free_text(
        args.audio,
        args.start,
        args.end,
        ctx,
        "answering a question about",
        lambda hint: ask_prompt(args.question, hint),
    )
    return AskAboutAudioOutput(
        answer=out.text,
        range=out.range,
        model=ctx.settings.model,
        usage=out.usage,
        chunks=out.chunks,
        notes=out.notes,
    )
