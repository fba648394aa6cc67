"""Descriptions and answers over audio too long for one request: map over chunks, reduce by text.

Map: each chunk is described / asked on its own, told which part of the recording it is. Reduce: one more
request, text only (no audio, so it costs a few thousand tokens), combines the partial texts into one answer
for the whole. If the reduce request fails, the labelled partial texts are returned with a note, rather than
losing work already paid for; failed chunks are named in the notes as always.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from google.genai import types

from ..backend.client import Backend
from ..backend.generate import Generation, add_usage, generate, usage_from
from ..backend.prompts import SYSTEM_INSTRUCTION, part_clause, reduce_prompt
from ..backend.retry import Attempts, with_retries
from ..context import RunContext
from ..errors import ApiError, GeminiAudioError
from ..schemas import AudioRange, ChunkReport, Usage
from ._audio import PROMPT_RANGE_NOTE, LocalAudio, open_with_range, prepare
from ._chunks import Span, failure_notes, plan_spans_at_pauses, run_chunks, span_range


@dataclass(frozen=True)
class FreeText:
    text: str
    range: AudioRange
    usage: Usage
    chunks: list[ChunkReport]
    notes: list[str]


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
) -> FreeText:
    """One free-text answer for the range: a single request when it fits, else map-reduce over chunks.

    Raises:
        GeminiAudioError: bad arguments, or every request failed.
    """
    # Local checks (path, format, range) first: a bad range is reported even when no key is configured.
    source, rng = await open_with_range(audio, start, end, ctx)
    backend = Backend.from_settings(ctx.settings)
    spans = await plan_spans_at_pauses(source, rng, chunk_seconds, 0.0, verb)
    single = len(spans) == 1
    name = source.path.name if isinstance(source, LocalAudio) else source.name

    async def work(span: Span, attempts: Attempts) -> Generation:
        part_range = span_range(rng, span, single)
        async with prepare(backend, source, part_range, prompt=make_prompt(None), ctx=ctx) as prepared:
            prompt = make_prompt(prepared.range_hint)
            if not single:
                prompt = f"{prompt}\n\n{part_clause(span.index, len(spans))}"
            return await generate(
                backend,
                prepared.part,
                prompt,
                action=f"{verb} {name} {span.label}",
                attempts=attempts,
                file_name=prepared.file_name,
                max_output_tokens=max_output_tokens,
            )

    outcomes = await run_chunks(spans, work, ctx=ctx, what=verb)
    usage = Usage()
    notes = [PROMPT_RANGE_NOTE] if rng.method == "prompt" else []
    parts: list[tuple[str, str]] = []
    for outcome in outcomes:
        if outcome.value is None:
            continue
        usage = add_usage(usage, outcome.value.usage)
        parts.append((outcome.span.label, outcome.value.text.strip()))
        if outcome.value.finish_reason == "MAX_TOKENS":
            notes.append(f"The text for {outcome.span.label} was cut at the model's output limit.")
    notes.extend(failure_notes(outcomes))
    if single:
        return FreeText(parts[0][1], rng, usage, [], notes)
    chunks = [o.report for o in outcomes]
    try:
        combined = await _reduce(backend, task, parts, verb=verb, max_output_tokens=max_output_tokens)
    except GeminiAudioError as err:
        notes.append(
            f"Combining the {len(parts)} parts failed ({err}); the per-part results are given instead."
        )
        text = "\n\n".join(f"[{label}]\n{body}" for label, body in parts)
        return FreeText(text, rng, usage, chunks, notes)
    await ctx.report(len(spans), len(spans), f"{verb} {name}: combined {len(parts)} parts")
    notes.append(f"The audio was processed in {len(spans)} parts whose results were combined.")
    return FreeText(combined.text.strip(), rng, add_usage(usage, combined.usage), chunks, notes)


async def _reduce(
    backend: Backend, task: str, parts: list[tuple[str, str]], *, verb: str, max_output_tokens: int | None
) -> Generation:
    """The reduce request: the partial texts in, one answer out (no audio).

    Raises:
        GeminiAudioError: the request failed after retries, or came back empty.
    """
    config = types.GenerateContentConfig(
        system_instruction=SYSTEM_INSTRUCTION, max_output_tokens=max_output_tokens
    )
    contents = [types.Content(role="user", parts=[types.Part.from_text(text=reduce_prompt(task, parts))])]
    response = await with_retries(
        lambda: backend.client.aio.models.generate_content(
            model=backend.model, contents=contents, config=config
        ),
        backend.retry,
        action=f"combining the parts while {verb} the audio",
    )
    if not response.text:
        raise ApiError(f"The model returned no text while combining the parts ({verb}).")
    candidate = response.candidates[0] if response.candidates else None
    finish = candidate.finish_reason.value if candidate is not None and candidate.finish_reason else "STOP"
    return Generation(response.text, finish, usage_from(response.usage_metadata))
