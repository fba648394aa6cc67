"""transcribe_audio: speech to text, whole or a time range, through Gemini's speech-to-text model by default.

Two ways to the same output:

* **Native** (a model the catalogue marks as transcribing natively, ``gemini-3.5-transcribe`` by default):
  the request carries ``audio_transcription_config`` (languages, vocabulary, diarization, word times, mode)
  and the reply carries timed utterances and words. Nothing is parsed from prose. Times are always asked for
  in verbatim mode (stitching chunks, paging and re-basing need them), so a request carries at most the
  model's timed limit (30 minutes); SMART mode gives no times, so its chunks are cut without overlap and
  each utterance spans the part of its chunk it belongs to.
* **Prompted** (any general model the caller names): the model is asked for JSON segments; languages,
  vocabulary and SMART are asked for in words. Word times exist only natively and are refused here.

Either way each chunk's times are moved onto the file's timeline, chunks are stitched (strictly monotonic),
a reply cut at the output-token limit is redone as two halves, and a transcript longer than one tool result
comes back a page at a time (the whole is kept in :mod:`..transcript_store`).
"""

from __future__ import annotations

from collections.abc import Hashable

from ..backend.client import Backend
from ..backend.generate import add_usage, send_prompt
from ..backend.model_choice import ModelChoice, choose_model
from ..backend.retry import Attempts
from ..backend.transcription import send_native
from ..context import RunContext
from ..errors import InvalidArgumentError
from ..schemas import TranscribeAudioInput, TranscribeAudioOutput
from ..timecode import Span
from ..transcript_store import TRANSCRIPTS
from ..transcripts import paginate
from ._chunks import run_chunks
from ._limits import LIMITS, Limits
from ._source import LocalAudio, Selection, select_audio
from ._transcribe_io import (
    native_piece,
    plan_transcript_spans,
    prompted_piece,
    transcribe_request,
    transcript_overlap,
    transcript_prompt,
)
from ._transcript_parts import ChunkTranscript, first_page, full_transcript, page_from_store
from ._wire import prepare

_MIN_SPLIT_SECONDS = 2.0


async def transcribe_audio(args: TranscribeAudioInput, ctx: RunContext) -> TranscribeAudioOutput:
    """Run transcribe_audio with the default limits."""
    return await transcribe_with(args, ctx, LIMITS)


async def transcribe_with(
    args: TranscribeAudioInput, ctx: RunContext, limits: Limits
) -> TranscribeAudioOutput:
    """Transcribe ``args.audio`` (range, chunks and pages as ``limits`` say).

    Raises:
        UnavailableModelError: the model is shut down or unknown.
        InvalidArgumentError: options the model cannot honour together (see :func:`check_options`).
        GeminiAudioError: bad audio or range, or the request(s) failed (all chunks, when chunked).
    """
    choice = choose_model(args.model, ctx.settings, "transcribe")
    check_options(args, choice)
    async with select_audio(args.audio, args.start, args.end, ctx, track=args.track) as whole:
        return await _transcribe(args, ctx, limits, whole, choice)


def check_options(args: TranscribeAudioInput, model: ModelChoice) -> None:
    """Refuse option combinations that cannot be honoured, before anything is read or sent.

    Raises:
        InvalidArgumentError: word times from a general model, or SMART mode with times or speakers.
    """
    if args.mode == "smart":
        timed = [
            name
            for name, on in (
                ("timestamps", args.timestamps),
                ("speakers", args.speakers),
                ("word_timestamps", args.word_timestamps),
                (f"format='{args.format}'", args.format in ("srt", "vtt")),
            )
            if on
        ]
        if timed:
            raise InvalidArgumentError(
                f"mode='smart' rewrites the speech as clean text without times or speakers, so it cannot be "
                f"combined with {', '.join(timed)}. Use mode='verbatim' for those, or drop them."
            )
    if args.word_timestamps and not model.native_transcription:
        raise InvalidArgumentError(
            f"word_timestamps needs a speech-to-text model, and {model.id} is a general model. Omit model "
            "(the default, gemini-3.5-transcribe, gives word times) or leave word_timestamps off."
        )


async def _transcribe(
    args: TranscribeAudioInput, ctx: RunContext, limits: Limits, whole: Selection, choice: ModelChoice
) -> TranscribeAudioOutput:
    backend = Backend.from_settings(ctx.settings)
    selection = whole.from_cursor(args.cursor)
    key = _store_key(whole, args, ctx, choice)
    if args.cursor is not None:
        stored = TRANSCRIPTS.find(key, selection.span.start)
        if stored is not None:
            return page_from_store(args, stored.output, stored.uri, selection.range, limits.page_chars)
    overlap = transcript_overlap(args, choice, limits)
    spans = await plan_transcript_spans(selection, args, choice, limits)
    single = len(spans) == 1

    async def once(span: Span, part: Selection, attempts: Attempts) -> tuple[ChunkTranscript, bool]:
        """One request for ``span``; True when the reply was cut at the output-token limit."""
        prompt = "" if choice.native_transcription else transcript_prompt(args, None)
        action = f"transcribing {part.source.name} {span.label}"
        async with prepare(backend, part, prompt=prompt, ctx=ctx) as prepared:
            request = transcribe_request(
                args,
                choice,
                prepared.part,
                range_hint=prepared.range_hint,
                max_output_tokens=limits.max_output_tokens,
            )
            if choice.native_transcription:
                reply = await send_native(
                    backend, request, action=action, attempts=attempts, file_name=prepared.file_name
                )
                chunk, finish = native_piece(reply, prepared.offset, span, args), reply.finish_reason
            else:
                result = await send_prompt(
                    backend, request, action=action, attempts=attempts, file_name=prepared.file_name
                )
                chunk, finish = prompted_piece(result, prepared.offset, span), result.finish_reason
        chunk.sent.append(prepared.sent)
        return chunk, finish == "MAX_TOKENS"

    async def request(span: Span, part: Selection, attempts: Attempts, depth: int) -> ChunkTranscript:
        chunk, cut = await once(span, part, attempts)
        if not cut:
            return chunk
        if depth >= limits.max_split_depth or span.seconds < 2 * _MIN_SPLIT_SECONDS:
            last = chunk.last_end if chunk.last_end is not None else span.keep_start
            chunk.gaps.append((max(last, span.keep_start), span.keep_end))
            return chunk
        # Too much speech for one reply: redo it as two halves (each needs about half the tokens).
        combined = ChunkTranscript(
            [], chunk.usage, splits=1, model_version=chunk.model_version, sent=chunk.sent
        )
        for half in span.halves(overlap):
            sub = await request(half, selection.at(half), attempts, depth + 1)
            combined.pieces.extend(sub.pieces)
            combined.sent.extend(sub.sent)
            combined.usage = add_usage(combined.usage, sub.usage)
            combined.gaps.extend(sub.gaps)
            combined.splits += sub.splits
        return combined

    async def work(span: Span, attempts: Attempts) -> ChunkTranscript:
        return await request(span, selection if single else selection.at(span), attempts, 0)

    outcomes = await run_chunks(spans, work, ctx=ctx, what="transcribing", subject=selection.source.name)
    full = full_transcript(args, choice, selection, outcomes)
    page, rest = paginate(full.segments, limits.page_chars)
    if rest is None:
        return full
    stored_uri = TRANSCRIPTS.put(key, full, args.format).uri
    return first_page(args, full, page, rest, stored_uri)


def _store_key(
    whole: Selection, args: TranscribeAudioInput, ctx: RunContext, choice: ModelChoice
) -> Hashable:
    """What makes two calls the same transcript: the bytes (path, size, mtime), the end, the options that
    change what is heard (speakers, languages, vocabulary, mode), the model and the endpoint."""
    source = whole.source
    if isinstance(source, LocalAudio):
        stat = source.path.stat()
        ident: Hashable = (str(source.path), stat.st_size, stat.st_mtime_ns)
    else:
        ident = source.name
    heard = (args.speakers, tuple(args.languages or ()), tuple(args.vocabulary or ()), args.mode)
    return (ident, round(whole.span.end, 3), heard, choice.id, ctx.settings.base_url)
