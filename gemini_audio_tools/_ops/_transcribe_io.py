"""A transcript's requests and replies, defined once for interactive calls and batches.

:func:`plan_transcript_spans` cuts the range into the spans requested, :func:`transcribe_request` builds
the request for one span (native ``audio_transcription_config`` for a speech-to-text model, a JSON-schema
prompt for a general one), and :func:`native_piece` / :func:`prompted_piece` turn a reply into a piece on
the file's timeline. ``transcribe_audio`` sends each request at once; a batch writes the same requests to
a JSONL file and reads the same replies back from its results, so both produce the same transcript.
"""

from __future__ import annotations

from google.genai import types

from ..backend.generate import Generation
from ..backend.model_choice import ModelChoice
from ..backend.prompts import transcribe_prompt, transcript_schema
from ..backend.requests import ModelRequest, native_request, prompt_request
from ..backend.transcription import NativeTranscript
from ..schemas import TranscribeAudioInput
from ..timecode import Span
from ..transcripts import parse_segments, rebase
from ._chunks import plan_spans_at_pauses
from ._limits import Limits
from ._native import native_chunk
from ._source import Selection
from ._transcript_parts import ChunkTranscript, Piece


async def plan_transcript_spans(
    selection: Selection, args: TranscribeAudioInput, model: ModelChoice, limits: Limits
) -> list[Span]:
    """The spans to request for ``selection``: one if it fits ``model``'s limits, else chunks cut at pauses,
    overlapping (more with speakers, whose labels are matched across the overlap) unless in SMART mode.

    Raises:
        InvalidArgumentError: a remote file too long for one request.
    """
    timed = args.mode == "verbatim"
    return await plan_spans_at_pauses(
        selection,
        limits.transcript_chunk_limit(model, timed=timed),
        transcript_overlap(args, model, limits),
        "a transcript",
        hard_max_seconds=limits.transcript_hard_limit(model, timed=timed),
    )


def transcript_overlap(args: TranscribeAudioInput, model: ModelChoice, limits: Limits) -> float:
    """How much neighbouring transcript chunks overlap: none in SMART mode (no times to stitch by)."""
    if args.mode != "verbatim":
        return 0.0
    wanted = limits.speaker_overlap_seconds if args.speakers else limits.overlap_seconds
    return min(wanted, limits.transcript_chunk_limit(model, timed=True) / 4)


def transcribe_request(
    args: TranscribeAudioInput,
    model: ModelChoice,
    audio: types.Part,
    *,
    range_hint: str | None = None,
    max_output_tokens: int | None = None,
) -> ModelRequest:
    """The request transcribing ``audio`` with ``model`` as ``args`` ask (``range_hint``: the instruction
    naming the span of a remote file to use; a speech-to-text model gets the whole file and is cut by
    times instead)."""
    if model.native_transcription:
        config = native_transcription_config(args)
        return native_request(model, audio, config, max_output_tokens=max_output_tokens)
    return prompt_request(
        model,
        transcript_prompt(args, range_hint),
        audio=audio,
        schema=transcript_schema(speakers=args.speakers),
        max_output_tokens=max_output_tokens,
        light=True,
    )


def native_transcription_config(args: TranscribeAudioInput) -> types.AudioTranscriptionConfig:
    """What the speech-to-text model is asked for; word times whenever times are possible (verbatim)."""
    verbatim = args.mode == "verbatim"
    return types.AudioTranscriptionConfig(
        language_codes=args.languages or None,
        custom_vocabulary=args.vocabulary or None,
        word_timestamp=True if verbatim else None,
        diarization=True if args.speakers else None,
        mode=types.AudioTranscriptionConfigMode.VERBATIM
        if verbatim
        else types.AudioTranscriptionConfigMode.SMART,
    )


def transcript_prompt(args: TranscribeAudioInput, range_hint: str | None) -> str:
    """The prompt asking a general model for ``args``' transcript as JSON segments."""
    return transcribe_prompt(
        speakers=args.speakers,
        range_hint=range_hint,
        languages=args.languages,
        vocabulary=args.vocabulary,
        smart=args.mode == "smart",
    )


def native_piece(
    reply: NativeTranscript, offset: float, span: Span, args: TranscribeAudioInput
) -> ChunkTranscript:
    """A speech-to-text reply for ``span`` as a piece of the transcript (times moved by ``offset``, where
    the audio sent starts on the file's timeline)."""
    return native_chunk(reply, offset, span, timed=args.mode == "verbatim", speakers=args.speakers)


def prompted_piece(result: Generation, offset: float, span: Span) -> ChunkTranscript:
    """A general model's JSON segments for ``span`` as a piece of the transcript, on the file's timeline."""
    segments = rebase(parse_segments(result.text), offset, span.start, span.end)
    return ChunkTranscript([Piece(span, segments)], result.usage, model_version=result.model_version)
