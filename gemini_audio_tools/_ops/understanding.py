"""transcribe_audio, describe_audio, ask_about_audio: audio (or a range of it) plus a prompt, to the model.

All three share the audio handling of :mod:`._audio` (local cut vs. remote prompt-range, inline vs. upload)
and the chunking of :mod:`._chunks`. Transcripts come back as JSON segments, are shifted onto the file's
timeline, stitched across chunks (strictly monotonic) and rendered. A chunk whose reply hits the output-token
limit is split in halves and redone rather than truncated. A transcript longer than one tool result comes
back a page at a time with a time cursor; the complete transcript is kept (:mod:`..transcript_store`) so
continuing does not transcribe again and the whole stays reachable. Descriptions and answers over audio too
long for one request are map-reduced (:mod:`._map_reduce`).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from ..backend.client import Backend
from ..backend.generate import add_usage, generate
from ..backend.prompts import ask_prompt, describe_prompt, transcribe_prompt, transcript_schema
from ..backend.retry import Attempts
from ..context import RunContext
from ..schemas import (
    AskAboutAudioInput,
    AskAboutAudioOutput,
    DescribeAudioInput,
    DescribeAudioOutput,
    TranscribeAudioInput,
    TranscribeAudioOutput,
)
from ..timecode import Span
from ..transcript_store import TRANSCRIPTS
from ..transcripts import paginate, parse_segments, rebase, stitch
from ._chunks import MAX_REQUEST_SECONDS, plan_spans_at_pauses, run_chunks
from ._map_reduce import free_text
from ._source import LocalAudio, Selection, select_audio
from ._transcript_parts import ChunkTranscript, first_page, full_transcript, page_from_store
from ._wire import prepare

MODEL_OUTPUT_TOKENS = 65_536
"""Gemini 2.5's output-token limit per reply, used when ``Limits.max_output_tokens`` is None."""
OUTPUT_HEADROOM = 0.8
"""Plan chunks to need at most 80% of the output limit: speech density varies from minute to minute."""


@dataclass(frozen=True)
class Limits:
    """How much audio one request carries, and how much transcript one tool result returns."""

    transcript_chunk_seconds: float = 1800.0
    """Upper bound on a transcript chunk: 30 min, so a 2 h file runs as 4 parallel requests and a chunk that
    fails for good costs at most 30 min of re-transcription."""
    transcript_tokens_per_minute: float = 500.0
    """Expected transcript output tokens per minute of audio. Fast speech is ~200 words (~270 tokens) a
    minute; the JSON segments add ~25 tokens each (times, keys), about 10 a minute: ~500 for dense speech.
    With the 65,536-token limit and 20% headroom that allows ~105 min per request, so the 30-min bound
    decides by default; a smaller ``max_output_tokens`` (or a denser language) shortens chunks."""
    other_chunk_seconds: float = 8 * 3600.0
    """Descriptions/answers: 8 h keeps 32 tokens/s under the 1M-token input window (9.1 h)."""
    overlap_seconds: float = 5.0
    """Transcript chunks overlap this much around each cut, so a word at a cut is heard whole once."""
    page_chars: int = 48_000
    """Budget of one transcript tool result in characters (text + JSON segments): ~12k tokens, half the
    ~25k-token cap common MCP clients put on a tool result."""
    max_output_tokens: int | None = None
    """Cap on each reply (None: the model's own limit, 65,536 for Gemini 2.5)."""
    max_split_depth: int = 3
    """How often a chunk whose reply hit the output limit is halved again (3: down to an eighth)."""

    def transcript_chunk_limit(self) -> float:
        """Longest transcript chunk: bounded by the request limit, the output-token budget and the cap."""
        return min(self.transcript_chunk_seconds, self.transcript_hard_limit())

    def transcript_hard_limit(self) -> float:
        """Longest audio one transcript request may carry: the output-token budget, and at most 9.5 h."""
        output = self.max_output_tokens or MODEL_OUTPUT_TOKENS
        by_tokens = output * OUTPUT_HEADROOM / self.transcript_tokens_per_minute * 60.0
        return min(by_tokens, MAX_REQUEST_SECONDS)


LIMITS = Limits()

_MIN_SPLIT_SECONDS = 2.0


# --- transcribe ---------------------------------------------------------------------------------------------


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
    async with select_audio(args.audio, args.start, args.end, ctx) as whole:
        return await _transcribe(args, ctx, limits, whole)


async def _transcribe(
    args: TranscribeAudioInput, ctx: RunContext, limits: Limits, whole: Selection
) -> TranscribeAudioOutput:
    backend = Backend.from_settings(ctx.settings)
    selection = whole.from_cursor(args.cursor)
    key = _store_key(whole, args, ctx)
    if args.cursor is not None:
        stored = TRANSCRIPTS.find(key, selection.span.start)
        if stored is not None:
            return page_from_store(args, stored.output, stored.uri, selection.range, limits.page_chars)
    chunk_seconds = limits.transcript_chunk_limit()
    overlap = min(limits.overlap_seconds, chunk_seconds / 4)
    spans = await plan_spans_at_pauses(
        selection, chunk_seconds, overlap, "a transcript", hard_max_seconds=limits.transcript_hard_limit()
    )
    single = len(spans) == 1
    schema = transcript_schema(speakers=args.speakers)

    async def request(span: Span, part: Selection, attempts: Attempts, depth: int) -> ChunkTranscript:
        base_prompt = transcribe_prompt(speakers=args.speakers)
        async with prepare(backend, part, prompt=base_prompt, ctx=ctx) as prepared:
            result = await generate(
                backend,
                transcribe_prompt(speakers=args.speakers, range_hint=prepared.range_hint),
                audio=prepared.part,
                action=f"transcribing {part.source.name} {span.label}",
                schema=schema,
                attempts=attempts,
                file_name=prepared.file_name,
                max_output_tokens=limits.max_output_tokens,
            )
        segments = rebase(parse_segments(result.text), prepared.offset, span.start, span.end)
        if result.finish_reason != "MAX_TOKENS":
            return ChunkTranscript(segments, result.usage)
        if depth >= limits.max_split_depth or span.seconds < 2 * _MIN_SPLIT_SECONDS:
            cut = segments[-1].end if segments else span.keep_start
            return ChunkTranscript(segments, result.usage, gaps=[(max(cut, span.keep_start), span.keep_end)])
        # Too much speech for one reply: redo it as two halves (each needs about half the tokens).
        parts = []
        combined = ChunkTranscript([], result.usage, splits=1)
        for half in span.halves(overlap):
            sub = await request(half, selection.at(half), attempts, depth + 1)
            parts.append((half.keep_start, half.keep_end, sub.segments))
            combined.usage = add_usage(combined.usage, sub.usage)
            combined.gaps.extend(sub.gaps)
            combined.splits += sub.splits
        combined.segments = stitch(parts)
        return combined

    async def work(span: Span, attempts: Attempts) -> ChunkTranscript:
        return await request(span, selection if single else selection.at(span), attempts, 0)

    outcomes = await run_chunks(spans, work, ctx=ctx, what="transcribing")
    full = full_transcript(args, ctx, selection, outcomes)
    page, rest = paginate(full.segments, limits.page_chars)
    if rest is None:
        return full
    stored_uri = TRANSCRIPTS.put(key, full, args.format).uri
    return first_page(args, full, page, rest, stored_uri)


def _store_key(whole: Selection, args: TranscribeAudioInput, ctx: RunContext) -> Hashable:
    """What makes two calls the same transcript: the bytes (path, size, mtime), the end, speakers, model."""
    source = whole.source
    if isinstance(source, LocalAudio):
        stat = source.path.stat()
        ident: Hashable = (str(source.path), stat.st_size, stat.st_mtime_ns)
    else:
        ident = source.name
    return (ident, round(whole.span.end, 3), args.speakers, ctx.settings.model, ctx.settings.base_url)


# --- describe / ask -----------------------------------------------------------------------------------------


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
    )
    return AskAboutAudioOutput(answer=out.text, **out.shared())
