"""Fill a response schema (OpenAPI subset or JSON Schema, as sent) from what the emulator measured.

The real model writes JSON that conforms to ``responseSchema``; the emulator fills the same shape generically,
by field names and types, never by knowing who asks: an array of objects with time and text fields receives
the recognized segments; time fields of type string get "MM:SS.mmm" time codes (H:MM:SS.mmm past an hour),
of type number seconds (milliseconds when the name says ms); ``speaker`` is "Speaker 1" (the emulator cannot
tell voices apart); text fields get the segment's or the whole answer's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .compose import format_timecode
from .intent import is_time_field, resolve_schema, schema_type
from .recognizer import Segment


@dataclass(frozen=True)
class FillContext:
    text: str
    """The main answer: the transcript, the description or the reply."""
    segments: tuple[Segment, ...]
    start: float
    end: float
    channels: int
    sample_rate: int
    has_speech: bool | None
    character: str = "mixed"
    """``AudioFacts.character`` ("silent", "tonal", "noise-like", "mixed")."""


_TEXT = re.compile(r"text|transcript|content|utterance|sentence|caption|words|speech")
_MAIN = re.compile(r"summary|description|answer|response|result|output|explanation|reply")


def fill_schema(schema: dict[str, Any], ctx: FillContext) -> Any:
    """A JSON value matching ``schema`` built from ``ctx``."""
    return _value(schema, schema, "", None, ctx, 0)


def _is_segment_item(item: dict[str, Any]) -> bool:
    props = item.get("properties", {})
    return schema_type(item) == "object" and any(
        is_time_field(str(k)) or _TEXT.search(str(k).lower()) for k in props
    )


def _value(
    node: Any, root: dict[str, Any], name: str, seg: Segment | None, ctx: FillContext, depth: int
) -> Any:
    node = resolve_schema(node, root)
    kind = schema_type(node)
    if depth > 8:
        return None
    if kind == "object":
        props = node.get("properties", {})
        return {str(k): _value(v, root, str(k), seg, ctx, depth + 1) for k, v in props.items()}
    if kind == "array":
        item = resolve_schema(node.get("items", {}), root)
        if seg is None and _is_segment_item(item):
            return [_value(item, root, name, s, ctx, depth + 1) for s in ctx.segments]
        if (
            schema_type(item) == "string"
            and seg is None
            and re.search(r"segment|line|sentence", name.lower())
        ):
            return [s.text for s in ctx.segments]
        if seg is not None and re.search(r"word", name.lower()):
            return [w.text for w in seg.words]
        return [_value(item, root, name, seg, ctx, depth + 1)]
    return _scalar(node, kind, name, seg, ctx)


_ENUM_HINTS = {
    "speech": r"speech|spoken|voice|talk|conversation|podcast|speaker|dialog",
    "silent": r"silen|empty|nothing|none",
    "tonal": r"tone|tonal|music|beep|sine",
    "noise-like": r"noise|static|hiss",
}


def choose_enum(values: list[str], ctx: FillContext) -> str:
    """The enum value whose words match what was measured (speech, silence, tone, noise); else the first."""
    kind = "speech" if ctx.has_speech else ctx.character
    pattern = _ENUM_HINTS.get(kind)
    if pattern:
        for value in values:
            if re.search(pattern, value.lower()):
                return value
    return values[0]


def _scalar(node: dict[str, Any], kind: str, name: str, seg: Segment | None, ctx: FillContext) -> Any:
    n = name.lower()
    enum = node.get("enum")
    if isinstance(enum, list) and enum:
        return choose_enum([str(v) for v in enum], ctx)
    if kind == "boolean":
        return bool(ctx.has_speech) if re.search(r"speech|voice|spoken", n) else bool(ctx.segments)
    if "duration" in n or "length" in n:
        seconds: float | None = (seg.end - seg.start) if seg else ctx.end - ctx.start
    elif is_time_field(n):
        is_end = bool(re.search(r"end|stop|^to$", n))
        seconds = (seg.end if is_end else seg.start) if seg else (ctx.end if is_end else ctx.start)
    else:
        seconds = None
    if seconds is not None:
        if kind == "string":
            return format_timecode(seconds)
        millis = bool(re.search(r"ms$|_ms|millis", n))
        value = seconds * 1000 if millis else seconds
        return round(value) if kind == "integer" else round(value, 3)
    if kind in ("integer", "number"):
        if "channel" in n:
            return ctx.channels
        if "rate" in n:
            return ctx.sample_rate
        if "count" in n or n.startswith("num"):
            return len(ctx.segments)
        return 0
    if "speaker" in n:
        return "Speaker 1"
    if "language" in n:
        return "en"
    if seg is not None and (_TEXT.search(n) or not n):
        return seg.text
    return ctx.text
