"""Descriptions and answers, in one request or over audio too long for one: map over chunks, reduce by text.

Map: each chunk is described / asked on its own, told which part of the recording it is. Reduce: one more
request, text only (no audio, so it costs a few thousand tokens), combines the partial texts into one answer
for the whole. If the reduce request fails, the labelled partial texts are returned with a note, rather than
losing work already paid for; failed chunks are named in the notes as always.

The recording's timeline: a clip (a range, or a chunk) of a local file is all the model hears, so the prompt
says where it sits and asks for times on the recording's timeline (:func:`..backend.prompts.clip_clause`),
and any time code the answer still gives from the clip's start is moved (:mod:`..answer_times`) before the
parts are combined or returned. Each request may read its audio from a context cache
(:mod:`._context_cache`): a chunk is cached on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..answer_times import Rebased, onto_recording
from ..backend.client import Backend
from ..backend.generate import add_usage, generate
from ..backend.model_choice import choose_model
from ..backend.prompts import clip_clause, part_clause, reduce_prompt
from ..backend.retry import Attempts
from ..context import RunContext
from ..errors import ApiError, GeminiAudioError
from ..schemas import AudioRange, ChunkReport, Sent, Usage
from ..timecode import Span, format_timecode
from ._chunks import failure_notes, plan_spans_at_pauses, run_chunks
from ._context_cache import Asked, Mode, ask, cache_summary
from ._source import LocalAudio, Selection, select_audio
from ._wire import range_hint


@dataclass(frozen=True)
class FreeText:
    """One free-text answer and what every model output reports with it."""

    text: str
    range: AudioRange
    model: str
    usage: Usage
    chunks: list[ChunkReport]
    notes: list[str]
    sent: Sent | None = None

    def shared(self) -> dict[str, Any]:
        """The fields every model output has (range, model, usage, chunks, notes, sent)."""
        return {
            "range": self.range,
            "model": self.model,
            "usage": self.usage,
            "chunks": self.chunks,
            "notes": self.notes,
            "sent": self.sent,
        }


async def free_text(
    audio: str,
    start: str | None,
    end: str | None,
    ctx: RunContext,
    *,
    verb: str,
    task: str,
    make_prompt: Callable[[str | None], str],
    chunk_seconds: float,
    max_output_tokens: int | None,
    model: str | None,
    track: int | None = None,
    cache: Mode = "auto",
) -> FreeText:
    """One free-text answer for the range: a single request when it fits, else map-reduce over chunks.

    Raises:
        UnavailableModelError: ``model`` (or the configured one) is shut down or unknown.
        GeminiAudioError: bad arguments, or every request failed.
    """
    choice = choose_model(model, ctx.settings, "general")
    async with select_audio(audio, start, end, ctx, track=track) as selection:
        backend = Backend.from_settings(ctx.settings)
        spans = await plan_spans_at_pauses(selection, chunk_seconds, 0.0, verb)
        single = len(spans) == 1
        name = selection.source.name

        async def work(span: Span, attempts: Attempts) -> tuple[Asked, Rebased]:
            part = selection if single else selection.at(span)
            prompt = make_prompt(range_hint(part))
            clip = _clip_of(part)
            if clip is not None:
                prompt = f"{prompt}\n\n{clip_clause(*clip)}"
            if not single:
                prompt = f"{prompt}\n\n{part_clause(span.index, len(spans))}"
            asked = await ask(
                backend,
                part,
                prompt,
                mode=cache,
                model=choice,
                ctx=ctx,
                action=f"{verb} {name} {span.label}",
                attempts=attempts,
                max_output_tokens=max_output_tokens,
            )
            text = asked.generation.text.strip()
            return asked, onto_recording(text, *clip) if clip is not None else Rebased(text)

        outcomes = await run_chunks(spans, work, ctx=ctx, what=verb, subject=name)
    usage = Usage()
    answers = [(o.span, *o.value) for o in outcomes if o.value is not None]
    sent = Sent.combine([asked.sent for _, asked, _ in answers])
    answered = next((asked.generation.model_version for _, asked, _ in answers), None)
    notes = [*choice.notes(answered), *selection.notes()]
    parts: list[tuple[str, str]] = []
    for span, asked, rebased in answers:
        usage = add_usage(usage, asked.generation.usage)
        parts.append((span.label, rebased.text))
        if asked.generation.finish_reason == "MAX_TOKENS":
            notes.append(f"The text for {span.label} was cut at the model's output limit.")
    notes.extend(_timeline_notes(selection, [rebased for _, _, rebased in answers]))
    if single:
        notes.extend(note for _, asked, _ in answers if (note := asked.note))
    elif summary := cache_summary([asked.event for _, asked, _ in answers]):
        notes.append(summary)
    notes.extend(failure_notes(outcomes))
    model_id = choice.answered_by(answered)
    if single:
        return FreeText(parts[0][1], selection.range, model_id, usage, [], notes, sent)
    chunks = [o.report for o in outcomes]
    try:
        combined = await generate(
            backend,
            reduce_prompt(task, parts),
            model=choice,
            action=f"combining the parts while {verb} the audio",
            max_output_tokens=max_output_tokens,
        )
        if not combined.text.strip():
            raise ApiError(f"The model returned no text while combining the parts ({verb}).")
    except GeminiAudioError as err:
        notes.append(
            f"Combining the {len(parts)} parts failed ({err}); the per-part results are given instead."
        )
        text = "\n\n".join(f"[{label}]\n{body}" for label, body in parts)
        return FreeText(text, selection.range, model_id, usage, chunks, notes, sent)
    await ctx.report(len(spans), len(spans), f"{verb} {name}: combined {len(parts)} parts")
    notes.append(f"The audio was processed in {len(spans)} parts whose results were combined.")
    usage = add_usage(usage, combined.usage)
    return FreeText(combined.text.strip(), selection.range, model_id, usage, chunks, notes, sent)


def _clip_of(selection: Selection) -> tuple[float, float] | None:
    """Where the audio the model hears sits on the recording, when it hears only a part of a local file that
    starts after the recording does (a part from 0:00 has the recording's times already)."""
    if (
        not isinstance(selection.source, LocalAudio)
        or selection.method == "whole"
        or selection.span.start <= 0
    ):
        return None
    return selection.span.start, selection.span.end


def _timeline_notes(selection: Selection, answers: list[Rebased]) -> list[str]:
    """Which timeline the answer's times are on, and the times that were moved onto it (or may need to be)."""
    notes: list[str] = []
    if isinstance(selection.source, LocalAudio) and selection.span.start > 0:
        notes.append(
            f"Times are on the recording's timeline (this range starts at "
            f"{format_timecode(selection.span.start)})."
        )
    moved = [pair for rebased in answers for pair in rebased.moved]
    if moved:
        shown = ", ".join(f"{a} → {b}" for a, b in moved[:3]) + (", …" if len(moved) > 3 else "")
        notes.append(
            f"The model gave {len(moved)} time{'s' if len(moved) != 1 else ''} from the start of the clip it "
            f"heard; moved onto the recording's timeline: {shown}."
        )
    unsure = [code for rebased in answers for code in rebased.unsure]
    if unsure:
        notes.append(
            f"{', '.join(unsure[:3])} may also be from the start of the clip (the answer mixed both); "
            "left as written."
        )
    return notes
