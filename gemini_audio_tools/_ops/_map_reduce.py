"""Descriptions and answers over audio too long for one request: map over chunks, reduce by text.

Map: each chunk is described / asked on its own, told which part of the recording it is. Reduce: one more
request, text only (no audio, so it costs a few thousand tokens), combines the partial texts into one answer
for the whole. If the reduce request fails, the labelled partial texts are returned with a note, rather than
losing work already paid for; failed chunks are named in the notes as always.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..backend.client import Backend
from ..backend.generate import Generation, add_usage, generate
from ..backend.model_choice import choose_model
from ..backend.prompts import part_clause, reduce_prompt
from ..backend.retry import Attempts
from ..context import RunContext
from ..errors import ApiError, GeminiAudioError
from ..schemas import AudioRange, ChunkReport, Sent, Usage
from ..timecode import Span
from ._chunks import failure_notes, plan_spans_at_pauses, run_chunks
from ._source import select_audio
from ._wire import prepare


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

        async def work(span: Span, attempts: Attempts) -> tuple[Generation, Sent]:
            part = selection if single else selection.at(span)
            async with prepare(backend, part, prompt=make_prompt(None), ctx=ctx) as prepared:
                prompt = make_prompt(prepared.range_hint)
                if not single:
                    prompt = f"{prompt}\n\n{part_clause(span.index, len(spans))}"
                answer = await generate(
                    backend,
                    prompt,
                    model=choice,
                    audio=prepared.part,
                    action=f"{verb} {name} {span.label}",
                    attempts=attempts,
                    file_name=prepared.file_name,
                    max_output_tokens=max_output_tokens,
                )
                return answer, prepared.sent

        outcomes = await run_chunks(spans, work, ctx=ctx, what=verb, subject=name)
    usage = Usage()
    answers = [(o.span, o.value[0]) for o in outcomes if o.value is not None]
    sent = Sent.combine([o.value[1] for o in outcomes if o.value is not None])
    answered = next((answer.model_version for _, answer in answers), None)
    notes = [*choice.notes(answered), *selection.notes()]
    parts: list[tuple[str, str]] = []
    for span, answer in answers:
        usage = add_usage(usage, answer.usage)
        parts.append((span.label, answer.text.strip()))
        if answer.finish_reason == "MAX_TOKENS":
            notes.append(f"The text for {span.label} was cut at the model's output limit.")
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
