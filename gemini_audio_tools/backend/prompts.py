"""What we ask the model, in one place: prompts per operation and the transcript's response schema.

Transcripts always come back as JSON segments (start/end/speaker/text) so chunks can be stitched by time and
rendered as text, SRT or VTT without asking the model twice. Times are strings "MM:SS.mmm" because models
write clock times more reliably than float seconds; the parser accepts both.
"""

from __future__ import annotations

from typing import Any

from ..transcripts import clock

SYSTEM_INSTRUCTION = (
    "You are an audio analyst. Base every statement only on what can be heard in the provided audio. If "
    "something cannot be determined from the audio, say so instead of guessing."
)


def transcript_schema(*, speakers: bool) -> dict[str, Any]:
    """The JSON Schema (``response_json_schema``) of transcript segments, properties in the order the model
    should write them."""
    properties: dict[str, Any] = {
        "start": {"type": "string", "description": "Start time as MM:SS.mmm from the start of the audio."},
        "end": {"type": "string", "description": "End time as MM:SS.mmm from the start of the audio."},
    }
    if speakers:
        properties["speaker"] = {
            "type": "string",
            "description": "Speaker label, e.g. 'Speaker 1', consistent across the audio.",
        }
    properties["text"] = {"type": "string", "description": "The words spoken, verbatim."}
    segment = {"type": "object", "properties": properties, "required": list(properties)}
    return {
        "type": "object",
        "properties": {"segments": {"type": "array", "items": segment}},
        "required": ["segments"],
    }


def range_clause(start: float, end: float) -> str:
    """Restricts the model to part of a remote file it hears whole (approximate; the emulator honours it)."""
    return (
        f"Use only the audio from {clock(start)} to {clock(end)}; ignore everything before and after. "
        "Give times on the timeline of the whole file."
    )


def transcribe_prompt(
    *,
    speakers: bool,
    range_hint: str | None = None,
    languages: list[str] | None = None,
    vocabulary: list[str] | None = None,
    smart: bool = False,
) -> str:
    """The prompt-based transcript request (general models); the options a speech-to-text model takes in its
    config are asked for in words."""
    how = (
        "cleanly: leave out fillers (um, uh), repetitions and false starts, and fix obvious slips"
        if smart
        else "verbatim"
    )
    parts = [
        f"Transcribe the speech in this audio {how}, in the language spoken. Split it into segments of one "
        "sentence or phrase, each with its start and end time as MM:SS.mmm from the start of the audio.",
    ]
    if languages:
        parts.append(f"The speech is in {', '.join(languages)} (BCP-47).")
    if vocabulary:
        parts.append(
            "These names and terms may be spoken; spell them exactly so: " + "; ".join(vocabulary) + "."
        )
    if speakers:
        parts.append("Label each segment with its speaker ('Speaker 1', 'Speaker 2', … or names if stated).")
    parts.append("If there is no speech, return an empty list of segments.")
    if range_hint:
        parts.append(range_hint)
    return " ".join(parts)


def describe_prompt(focus: str | None, range_hint: str | None = None) -> str:
    parts = [
        "Describe this audio: what kind of recording it is, who speaks and about what, other sounds or "
        "music, and its mood. Be concise and concrete."
    ]
    if focus:
        parts.append(f"Focus on: {focus}")
    if range_hint:
        parts.append(range_hint)
    return " ".join(parts)


def ask_prompt(question: str, range_hint: str | None = None) -> str:
    parts = [f"Answer this question about the audio: {question}"]
    if range_hint:
        parts.append(range_hint)
    return "\n\n".join(parts)


def clip_clause(start: float, end: float) -> str:
    """Tells the model where the clip it hears sits on the recording, and to answer on the recording's
    timeline. It hears only the clip, whose own timeline starts at zero; without this an answer about
    1:00-1:30 says "at 0:09" for what the recording has at 1:09 (times it still gives that way are moved
    afterwards: :mod:`..answer_times`). Worded as a fact about the audio, not an instruction to cut it."""
    example = min(10.0, max(1.0, float(int((end - start) / 2))))  # a whole number of seconds inside the clip
    return (
        f"This audio is the part from {clock(start)} to {clock(end)} of a longer recording. Give every time "
        f"on the recording's timeline: add {clock(start)} to a time measured from the start of this audio "
        f"({clock(example)} into it is {clock(start + example)})."
    )


def part_clause(index: int, count: int) -> str:
    """Tells the model it hears one part of a longer recording (the map step over long audio); where that part
    lies is :func:`clip_clause`'s (local chunks) or the range hint's (remote files) to say."""
    return (
        f"This is part {index + 1} of {count} consecutive parts of the recording. Answer for this part "
        "only; if it has nothing relevant, say so in one sentence."
    )


def reduce_prompt(task: str, parts: list[tuple[str, str]]) -> str:
    """Combine per-part answers ``(span label, text)`` into one answer (the reduce step; text only).

    The parts are quoted as data, in time order, so the final answer can cite where things happen.
    """
    quoted = "\n\n".join(f'<part span="{label}">\n{text}\n</part>' for label, text in parts)
    return (
        f"A long recording was processed in {len(parts)} consecutive parts; below are the results for each "
        f"part, in time order. The task was: {task.strip()} Combine the results into one answer to the task "
        "for the whole recording: merge what repeats, keep what is specific, mention time spans where "
        "useful, and do not add anything the parts do not say.\n\n"
        f"{quoted}"
    )
