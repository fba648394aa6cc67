"""What a generateContent request wants, read from its prompt, system instruction and response schema.

The emulator has no language model, so it reads requests the way a careful human skims them: a response
schema shaped like a transcript (an array of objects with start/end/text-like fields), or an imperative to
transcribe, means a transcript; describe / summarize / "what kind of audio" means a description; any other
question is answered from measured facts; an explicit "Answer this question: …" is always a question, whatever
it asks about. The prompt decides first; the system instruction only when the
prompt gives no signal (system instructions are often generic).

Where the audio sits: a request about a clip cut from a longer recording may say so ("This audio is the part
from 1:00 to 1:30 of a longer recording"), as the library's describe and ask prompts do. A real model then
gives times on the recording's timeline; the emulator reads that sentence (``Intent.clip``), answers about
all of the audio it received and writes its times moved onto the recording. That sentence is not a range to
cut: a range to cut is one the rest of the prompt asks for ("only the audio from 01:00 to 02:30").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Task(Enum):
    TRANSCRIBE = "transcribe"
    DESCRIBE = "describe"
    ANSWER = "answer"


@dataclass(frozen=True)
class Intent:
    task: Task
    timestamps: bool
    speakers: bool
    time_range: tuple[float, float] | None
    """Seconds on the file's timeline when the prompt restricts the audio ("from 01:00 to 02:30")."""
    clip: tuple[float, float] | None = None
    """Where the received audio sits on a longer recording, when the prompt says so (seconds)."""


_TRANSCRIBE = re.compile(
    r"\btranscri(?:be|bing|ption)\b|\bverbatim\b|\bword[- ]for[- ]word\b|"
    r"\b(?:generate|produce|give|write|provide)\s+(?:me\s+)?(?:a|an|the)\s+(?:full\s+|complete\s+)?"
    r"transcript\b|\bwrite (?:out|down) (?:what|everything)",
    re.IGNORECASE,
)
_DESCRIBE = re.compile(
    r"\bdescrib|\bsummar|\bwhat (?:kind|type|sort) of\b|\bcharacteri[sz]|\boverview\b|\bfocus\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"\?|^\s*(?:question\s*:|answer\b|is\b|are\b|does\b|do\b|did\b|how\b|what\b|when\b|where\b|which\b|who\b|"
    r"why\b|can\b|could\b)",
    re.IGNORECASE | re.MULTILINE,
)
_ASKED = re.compile(r"^\s*(?:answer (?:this|the following|the) question|question\s*:)", re.IGNORECASE)
_WHAT_IS_SAID = re.compile(
    r"\bwhat (?:is|was|'s) (?:being )?said\b|\bwhat (?:do|does|did) (?:they|he|she) say\b", re.IGNORECASE
)
_TIMESTAMPS = re.compile(
    r"time[- ]?stamp|time[- ]?code|\bwith (?:the )?times\b|\[\d{1,2}:\d{2}", re.IGNORECASE
)
_SPEAKERS = re.compile(r"\bspeaker|\bdiari[sz]|\bwho (?:is )?speaking\b", re.IGNORECASE)

_TIME = r"(\d+:\d{1,2}(?::\d{1,2})?(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:s|sec|secs|seconds)\b)"
_RANGE = re.compile(
    rf"(?:\bfrom|\bbetween|\bstarting at)\s+{_TIME}\s*(?:to|and|until|till|through|-|–|—)\s*{_TIME}",
    re.IGNORECASE,
)
_BARE_RANGE = re.compile(
    r"(\d+:\d{1,2}(?::\d{1,2})?(?:\.\d+)?)\s*(?:-|–|—|to)\s*(\d+:\d{1,2}(?::\d{1,2})?(?:\.\d+)?)"
)


_CLIP = re.compile(
    rf"(?:this|the) audio (?:you hear |you are hearing )?is (?:the )?(?:part|clip|excerpt|section|stretch) "
    rf"(?:from|between)\s+{_TIME}\s*(?:to|and|-|–|—)\s*{_TIME}\s+of (?:a|the) (?:longer |whole |full )?"
    r"(?:recording|audio|file)[^.\n]*\.?",
    re.IGNORECASE,
)


def find_clip(text: str) -> tuple[tuple[float, float] | None, str]:
    """Where the received audio sits on the recording when ``text`` says so (``None`` otherwise), and
    ``text`` without that sentence (so its two times are not taken for a range to cut)."""
    match = _CLIP.search(text)
    if match is None:
        return None, text
    start, end = parse_time(match.group(1)), parse_time(match.group(2))
    if not start < end:
        return None, text
    return (start, end), text[: match.start()] + text[match.end() :]


def parse_time(text: str) -> float:
    """Seconds from "SS", "MM:SS", "HH:MM:SS" (fractions allowed) or "90 s" / "90 seconds"."""
    text = re.sub(r"\s*(?:s|sec|secs|seconds)$", "", text.strip(), flags=re.IGNORECASE)
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def find_time_range(text: str) -> tuple[float, float] | None:
    """The first "from A to B" / "between A and B" / "A-B" range in ``text`` with A < B, else None."""
    for pattern in (_RANGE, _BARE_RANGE):
        for match in pattern.finditer(text):
            start, end = parse_time(match.group(1)), parse_time(match.group(2))
            if start < end:
                return start, end
    return None


def resolve_schema(schema: Any, root: dict[str, Any]) -> dict[str, Any]:
    """Resolve a local ``$ref`` (``#/$defs/X`` or ``#/definitions/X``) and one-level anyOf with null."""
    if not isinstance(schema, dict):
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = root
        for key in ref[2:].split("/"):
            node = node.get(key, {}) if isinstance(node, dict) else {}
        return resolve_schema(node, root)
    for key in ("anyOf", "any_of", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list):
            non_null = [
                o for o in options if isinstance(o, dict) and str(o.get("type", "")).lower() != "null"
            ]
            if non_null:
                return resolve_schema(non_null[0], root)
    return schema


def schema_type(schema: dict[str, Any]) -> str:
    """The lower-case JSON type of a schema node ("object", "array", "string", ...), "" when unknown."""
    kind = schema.get("type", "")
    if isinstance(kind, list):
        kind = next((k for k in kind if str(k).lower() != "null"), "")
    if not kind and "properties" in schema:
        return "object"
    return str(kind).lower()


def is_time_field(name: str) -> bool:
    n = name.lower()
    return bool(re.search(r"start|begin|end|stop|^from$|^to$|offset|timestamp|^time$", n))


def is_transcript_schema(schema: dict[str, Any] | None) -> bool:
    """True when the schema holds an array of objects with a start or end field and a text-like field."""
    if not schema:
        return False

    def walk(node: Any, depth: int) -> bool:
        node = resolve_schema(node, schema)
        kind = schema_type(node)
        if depth > 6:
            return False
        if kind == "array":
            item = resolve_schema(node.get("items", {}), schema)
            props = item.get("properties", {}) if schema_type(item) == "object" else {}
            names = [str(k) for k in props]
            has_time = any(is_time_field(n) for n in names)
            has_text = any(
                re.search(r"text|transcript|content|utterance|sentence|words", n.lower()) for n in names
            )
            return (has_time and has_text) or walk(item, depth + 1)
        if kind == "object":
            return any(walk(v, depth + 1) for v in node.get("properties", {}).values())
        return False

    return walk(schema, 0)


def detect_intent(prompt: str, system_instruction: str | None, schema: dict[str, Any] | None) -> Intent:
    """Decide what the request wants (see the module docstring)."""
    task = _task_of(prompt)
    if task is None and system_instruction:
        task = _task_of(system_instruction)
    if is_transcript_schema(schema):
        task = Task.TRANSCRIBE
    text = f"{prompt}\n{system_instruction or ''}"
    clip, prompt = find_clip(prompt)
    if clip is None and system_instruction:
        clip, system_instruction = find_clip(system_instruction)
    return Intent(
        task=task or Task.DESCRIBE,
        timestamps=bool(_TIMESTAMPS.search(text)) or is_transcript_schema(schema),
        speakers=bool(_SPEAKERS.search(text)),
        time_range=find_time_range(prompt)
        or (find_time_range(system_instruction) if system_instruction else None),
        clip=clip,
    )


def _task_of(text: str) -> Task | None:
    if _ASKED.search(text):
        return Task.ANSWER
    if _TRANSCRIBE.search(text):
        return Task.TRANSCRIBE
    if _DESCRIBE.search(text):
        return Task.DESCRIBE
    if _WHAT_IS_SAID.search(text):
        return Task.TRANSCRIBE
    if _QUESTION.search(text):
        return Task.ANSWER
    return None
