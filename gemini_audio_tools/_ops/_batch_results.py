"""A batch's replies made into each file's output, exactly as the interactive tools make theirs.

A file's replies are read by the same functions an interactive reply is (:func:`~..backend.transcription.
native_of`, :func:`~..backend.generate.generation_of`), become pieces on the file's timeline and are stitched
by :func:`~._transcript_parts.full_transcript`; a long description or answer is combined from its parts by
one text-only request, as :mod:`._map_reduce` does (at the interactive price: it holds no audio). A reply
that failed is a failed chunk, named in the notes; a file whose every reply failed has no output and is
listed with the reason.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..audio import AudioInfo
from ..backend.client import Backend
from ..backend.generate import Generation, add_usage, generate, generation_of
from ..backend.model_choice import ModelChoice
from ..backend.prompts import reduce_prompt
from ..backend.transcription import native_of
from ..batch.jsonl import Reply
from ..batch.store import FileRecord, RequestRecord
from ..errors import ApiError, GeminiAudioError
from ..schemas import (
    AskAboutAudioInput,
    AskAboutAudioOutput,
    DescribeAudioInput,
    DescribeAudioOutput,
    TranscribeAudioInput,
    TranscribeAudioOutput,
    Usage,
)
from ..timecode import Span
from ._batch_plan import OperationInput
from ._chunks import ChunkOutcome, chunk_report, failure_notes
from ._source import LocalAudio, Selection
from ._transcribe_io import native_piece, prompted_piece
from ._transcript_parts import ChunkTranscript, full_transcript

Output = TranscribeAudioOutput | DescribeAudioOutput | AskAboutAudioOutput
EXTENSIONS = {"text": "txt", "json": "json", "srt": "srt", "vtt": "vtt"}


def selection_of(record: FileRecord) -> Selection:
    """The file's selection as it was planned (rebuilt from the stored facts: the file need not exist)."""
    facts = record.facts or {}
    info = AudioInfo(**facts["info"])
    source = LocalAudio(Path(facts["path"]), info, url=facts.get("url"))
    start, end = facts["span"]
    return Selection(source, Span(start, end))


async def file_output(
    backend: Backend | None,
    record: FileRecord,
    requests: list[RequestRecord],
    replies: dict[str, Reply],
    op_input: OperationInput,
    model: ModelChoice,
) -> Output:
    """The output of one file whose requests all have replies.

    Raises:
        GeminiAudioError: every request of the file failed (the first reason).
    """
    selection = selection_of(record)
    if isinstance(op_input, TranscribeAudioInput):
        cut: list[Span] = []
        outcomes = [
            _transcript_outcome(r, replies[r.key], op_input, model, record.name, cut) for r in requests
        ]
        _raise_if_all_failed(outcomes)
        full = full_transcript(op_input, model, selection, outcomes)
        return full.model_copy(update={"notes": [*full.notes, *_cut_notes(cut)]})
    texts = [_text_outcome(r, replies[r.key], record.name) for r in requests]
    _raise_if_all_failed(texts)
    return await _free_text(backend, texts, op_input, model, selection)


def _span(request: RequestRecord) -> Span:
    s = request.span
    return Span(s["start"], s["end"], s["keep_start"], s["keep_end"], int(s["index"]))


def _failed(span: Span, reason: str) -> ChunkOutcome[ChunkTranscript] | ChunkOutcome[Generation]:
    error = ApiError(f"The batch request for {span.label} failed: {reason}")
    return ChunkOutcome(span, chunk_report(span, error), None, error)


def _transcript_outcome(
    request: RequestRecord,
    reply: Reply,
    args: TranscribeAudioInput,
    model: ModelChoice,
    name: str,
    cut: list[Span],
) -> ChunkOutcome[ChunkTranscript]:
    """The piece one reply makes; a span whose reply hit the output limit is added to ``cut``."""
    span = _span(request)
    if reply.response is None:
        return _failed(span, reply.error or "no reply")  # type: ignore[return-value]
    action = f"transcribing {name} {span.label}"
    try:
        if model.native_transcription:
            native = native_of(reply.response, action)
            chunk, finish = native_piece(native, request.span["offset"], span, args), native.finish_reason
        else:
            made = generation_of(reply.response, action)
            chunk, finish = prompted_piece(made, request.span["offset"], span), made.finish_reason
    except GeminiAudioError as err:
        return ChunkOutcome(span, chunk_report(span, err), None, err)
    if finish == "MAX_TOKENS":
        cut.append(span)
    return ChunkOutcome(span, chunk_report(span, None), chunk)


def _cut_notes(cut: list[Span]) -> list[str]:
    """Spans whose reply hit the output limit (interactively they are redone in halves; a batch cannot)."""
    return [
        f"The reply for {span.label} hit the model's output limit and may end early; transcribe that range "
        "with transcribe_audio to complete it."
        for span in cut
    ]


def _text_outcome(request: RequestRecord, reply: Reply, name: str) -> ChunkOutcome[Generation]:
    span = _span(request)
    if reply.response is None:
        return _failed(span, reply.error or "no reply")  # type: ignore[return-value]
    try:
        made = generation_of(reply.response, f"answering about {name} {span.label}")
    except GeminiAudioError as err:
        return ChunkOutcome(span, chunk_report(span, err), None, err)
    return ChunkOutcome(span, chunk_report(span, None), made)


def _raise_if_all_failed(
    outcomes: list[ChunkOutcome[ChunkTranscript]] | list[ChunkOutcome[Generation]],
) -> None:
    if outcomes and all(o.error is not None for o in outcomes):
        error = outcomes[0].error
        assert error is not None
        raise error


async def _free_text(
    backend: Backend | None,
    outcomes: list[ChunkOutcome[Generation]],
    args: OperationInput,
    model: ModelChoice,
    selection: Selection,
) -> Output:
    answers = [(o.span, o.value) for o in outcomes if o.value is not None]
    usage = Usage()
    for _, made in answers:
        usage = add_usage(usage, made.usage)
    answered = next((made.model_version for _, made in answers), None)
    notes = [*model.notes(answered), *selection.notes(), *failure_notes(outcomes)]
    notes += [
        f"The text for {s.label} was cut at the model's output limit."
        for s, m in answers
        if m.finish_reason == "MAX_TOKENS"
    ]
    parts = [(span.label, made.text.strip()) for span, made in answers]
    if len(outcomes) == 1:
        text = parts[0][1]
    else:
        if isinstance(args, AskAboutAudioInput):
            task = f"Answer this question about the audio: {args.question}"
        else:
            focus = args.focus if isinstance(args, DescribeAudioInput) else None
            task = f"Describe the audio{f', focusing on: {focus}' if focus else ''}."
        text, usage, note = await _combine(backend, task, parts, model, usage)
        notes.append(note)
    shared = {"range": selection.range, "model": model.answered_by(answered), "usage": usage, "notes": notes}
    shared["chunks"] = [o.report for o in outcomes] if len(outcomes) > 1 else []
    if isinstance(args, AskAboutAudioInput):
        return AskAboutAudioOutput(answer=text, **shared)
    return DescribeAudioOutput(text=text, **shared)


async def _combine(
    backend: Backend | None, task: str, parts: list[tuple[str, str]], model: ModelChoice, usage: Usage
) -> tuple[str, Usage, str]:
    """One text-only request combining the parts (the reduce step), or the labelled parts if it fails."""
    try:
        if backend is None:
            raise ApiError("no connection to the API")
        combined = await generate(
            backend, reduce_prompt(task, parts), model=model, action="combining the parts"
        )
        if not combined.text.strip():
            raise ApiError("the model returned no text")
    except GeminiAudioError as err:
        text = "\n\n".join(f"[{label}]\n{body}" for label, body in parts)
        return (
            text,
            usage,
            f"Combining the {len(parts)} parts failed ({err}); the per-part results are given.",
        )
    note = f"The audio was processed in {len(parts)} parts, combined by one interactive request."
    return combined.text.strip(), add_usage(usage, combined.usage), note


def write_output(out_dir: Path, record: FileRecord, output: Output, fmt: str) -> Path:
    """Write ``output`` as ``NAME.ext`` in ``out_dir``, whole or not at all; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{record.out_name}.{EXTENSIONS[fmt]}"
    if isinstance(output, TranscribeAudioOutput) or fmt == "text":
        content = output.body()
    else:
        content = output.model_dump_json(indent=2, exclude_none=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content if content.endswith("\n") else content + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
