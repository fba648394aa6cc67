"""Transcripts as data: parse the model's reply, move it onto the file's timeline, stitch chunks, render.

Pure functions, no I/O. The model is asked for ``{"segments": [{"start", "end", "speaker", "text"}]}`` with
times as "MM:SS.mmm" strings, but models (and the emulator's generic schema filler) also return plain seconds,
"H:MM:SS", or SRT-style commas, and a reply cut at the output-token limit ends mid-JSON; parsing is lenient
about all of that and keeps every complete segment, because a partial transcript with a note beats an error.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol, TypeVar

from .schemas import Segment, Word
from .timecode import format_timecode

TranscriptFormat = Literal["text", "json", "srt", "vtt"]

_TIME = re.compile(r"^\s*(?:(\d+):)?(?:(\d+):)?(\d+(?:[.,]\d+)?)\s*s?\s*$")


def parse_time_value(value: object) -> float | None:
    """Seconds from a model-written time: 12.5, "12.5", "01:02.500", "1:02:03", "00:01:02,500"; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) and value >= 0 else None
    if not isinstance(value, str):
        return None
    match = _TIME.match(value)
    if not match:
        return None
    first, second, secs = match.groups()
    seconds = float(secs.replace(",", "."))
    if second is not None:  # H:MM:SS
        return int(first) * 3600 + int(second) * 60 + seconds
    if first is not None:  # MM:SS
        return int(first) * 60 + seconds
    return seconds


def parse_segments(reply: str) -> list[Segment]:
    """Segments from the model's JSON reply, on the timeline of the audio that was sent.

    Accepts ``{"segments": [...]}`` or a bare list, inside optional code fences; if the JSON is cut short (the
    reply hit the output-token limit) every complete segment before the cut is kept. Segments without text are
    dropped; a missing time is taken from the neighbouring segment. Returns [] when nothing usable is found.
    """
    items = _segment_dicts(_strip_fences(reply))
    segments: list[Segment] = []
    previous_end = 0.0
    for item in items:
        text = str(item.get("text") or "").strip()
        if not text:
            continue
        start = parse_time_value(item.get("start"))
        end = parse_time_value(item.get("end"))
        start = previous_end if start is None else start
        end = start if end is None or end < start else end
        speaker = item.get("speaker")
        speaker_label = str(speaker).strip() if speaker not in (None, "") else None
        segments.append(Segment(start=start, end=end, speaker=speaker_label or None, text=text))
        previous_end = end
    return segments


def _strip_fences(reply: str) -> str:
    text = reply.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text


def _segment_dicts(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError:
        return _salvage(text)
    if isinstance(data, dict):
        data = data.get("segments", [])
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _salvage(text: str) -> list[dict[str, Any]]:
    """Complete objects of a truncated ``segments`` array."""
    start = text.find("[")
    if start < 0:
        return []
    decoder = json.JSONDecoder()
    found: list[dict[str, Any]] = []
    pos = start + 1
    while True:
        brace = text.find("{", pos)
        if brace < 0:
            return found
        try:
            obj, pos = decoder.raw_decode(text, brace)
        except ValueError:
            return found
        if isinstance(obj, dict):
            found.append(obj)


def rebase(segments: Iterable[Segment], offset: float, lower: float, upper: float) -> list[Segment]:
    """Shift segments by ``offset`` seconds and clamp them to ``[lower, upper]`` of the original timeline.

    A clip starting at 60 s yields times from 0; adding 60 puts them back where they are in the file. Segments
    that fall entirely outside the range (a model inventing time past the clip) are dropped.
    """
    result: list[Segment] = []
    for seg in segments:
        shifted_start, shifted_end = seg.start + offset, seg.end + offset
        if shifted_start >= upper or shifted_end < lower:
            continue
        start = max(shifted_start, lower)
        end = min(max(shifted_end, start), upper)
        result.append(seg.model_copy(update={"start": round(start, 3), "end": round(end, 3)}))
    return result


def stitch(parts: Sequence[tuple[float, float, Sequence[Segment]]]) -> list[Segment]:
    """Join chunk transcripts ``(keep_start, keep_end, segments)``, segments already on the file's timeline.

    Neighbouring chunks overlap so no word is lost at a cut; inside an overlap both chunks heard the same
    speech, so each keeps only the segments whose middle lies inside its own keep window (the planner's cut
    points). The middle, not the start: a sentence starting a few milliseconds before a cut belongs to the
    chunk that heard it whole, and the cut-off copy in the chunk before is dropped. The first and last
    windows are open-ended, so nothing at the edges of the audio is lost.
    """
    return _kept_by_middle(parts)


def stitch_words(parts: Sequence[tuple[float, float, Sequence[Word]]]) -> list[Word]:
    """Join the words of neighbouring pieces ``(keep_start, keep_end, words)`` as :func:`stitch` joins their
    segments (by the middle of each word), in time order."""
    return sorted(_kept_by_middle(parts), key=lambda w: (w.start, w.end))


class _Timed(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...


_T = TypeVar("_T", bound=_Timed)


def _kept_by_middle(parts: Sequence[tuple[float, float, Sequence[_T]]]) -> list[_T]:
    """The items of each piece whose middle lies in its keep window; the outer windows are open-ended."""
    ordered = sorted(parts, key=lambda p: p[0])
    result: list[_T] = []
    for i, (keep_start, keep_end, items) in enumerate(ordered):
        lower = -math.inf if i == 0 else keep_start
        upper = math.inf if i == len(ordered) - 1 else keep_end
        result.extend(item for item in items if lower <= (item.start + item.end) / 2 < upper)
    return result


def monotonic(segments: Iterable[Segment]) -> list[Segment]:
    """Segments in time order with strictly increasing starts and no overlaps: a segment repeating the one
    before it (the same words heard by two overlapping chunks) is dropped, an end running into the next
    segment is trimmed to its start, and equal starts are moved apart by a millisecond."""
    result: list[Segment] = []
    for seg in sorted(segments, key=lambda s: (s.start, s.end)):
        if result:
            prev = result[-1]
            if _same_words(prev.text, seg.text) and seg.start < prev.end + 1.0:
                continue
            start = max(seg.start, round(prev.start + 0.001, 3))
            if prev.end > start:
                result[-1] = prev.model_copy(update={"end": start})
            seg = seg.model_copy(update={"start": start, "end": max(seg.end, start)})
        result.append(seg)
    return result


def _same_words(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join("".join(c for c in w.lower() if c.isalnum()) for w in text.split())

    na, nb = norm(a), norm(b)
    return bool(nb) and (na == nb or na.endswith(nb))


SEGMENT_OVERHEAD_CHARS = 100
"""A segment appears twice in a tool result (rendered text, and JSON in ``segments``/structuredContent)
plus time codes, keys and a speaker label: about this many characters beyond twice its text."""


def result_chars(seg: Segment) -> int:
    """Characters ``seg`` adds to a tool result (its text twice plus framing)."""
    return 2 * len(seg.text) + SEGMENT_OVERHEAD_CHARS


def paginate(segments: Sequence[Segment], budget_chars: int) -> tuple[list[Segment], float | None]:
    """The first segments that fit a tool result of ``budget_chars`` (at least one), and where the rest
    starts (None when everything fits)."""
    used = 0
    for i, seg in enumerate(segments):
        used += result_chars(seg)
        if used > budget_chars and i > 0:
            return list(segments[:i]), segments[i].start
    return list(segments), None


# --- rendering ---------------------------------------------------------------------------------------------


def clock(seconds: float) -> str:
    """A time on the file's timeline in the library's one style (:func:`~.timecode.format_timecode`:
    "0:07.948", "10:28", "1:02:03"), so transcripts, messages and ``inspect`` read alike; negative values
    (a model's slip) show as "0:00"."""
    return format_timecode(max(seconds, 0.0))


def _fixed_clock(seconds: float, sep: str) -> str:
    """``HH:MM:SS<sep>mmm``, the fixed form SRT (``,``) and WebVTT (``.``) require."""
    millis = round(max(seconds, 0.0) * 1000)
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def render(
    segments: Sequence[Segment],
    fmt: TranscriptFormat,
    *,
    timestamps: bool,
    speakers: bool,
    words: Sequence[Word] | None = None,
) -> str:
    """The transcript as plain text, JSON, SRT or WebVTT: the transcript alone, never a note or a warning
    (those belong in the output's ``notes``), so SRT/VTT/JSON stay valid files. With ``words``, each JSON
    segment lists its words and each WebVTT cue carries a timestamp tag before every word (the format's
    karaoke style)."""
    grouped = _words_by_segment(segments, words) if words is not None else None
    if fmt == "json":
        items = []
        for i, seg in enumerate(segments):
            item = seg.model_dump(exclude_none=True)
            if grouped is not None:
                item["words"] = [w.model_dump(exclude={"speaker"}) for w in grouped[i]]
            items.append(item)
        return json.dumps(items, ensure_ascii=False, indent=None)
    if fmt == "srt":
        blocks = [
            f"{i}\n{_srt_time(s.start)} --> {_srt_time(s.end)}\n{_line(s, speakers)}"
            for i, s in enumerate(segments, 1)
        ]
        return "\n\n".join(blocks) + ("\n" if blocks else "")
    if fmt == "vtt":
        cues = [
            f"{_fixed_clock(s.start, '.')} --> {_fixed_clock(s.end, '.')}\n"
            f"{_vtt_line(s, speakers, grouped[i] if grouped is not None else None)}"
            for i, s in enumerate(segments)
        ]
        return "WEBVTT\n\n" + "\n\n".join(cues) + ("\n" if cues else "")
    if timestamps:
        return "\n".join(f"[{clock(s.start)} - {clock(s.end)}] {_line(s, speakers)}" for s in segments)
    return _plain(segments, speakers)


def _srt_time(seconds: float) -> str:
    return _fixed_clock(seconds, ",")


def _line(seg: Segment, speakers: bool) -> str:
    return f"{seg.speaker}: {seg.text}" if speakers and seg.speaker else seg.text


def _vtt_line(seg: Segment, speakers: bool, words: Sequence[Word] | None = None) -> str:
    text = " ".join(f"<{_fixed_clock(w.start, '.')}>{w.word}" for w in words) if words else seg.text
    return f"<v {seg.speaker}>{text}" if speakers and seg.speaker else text


def _words_by_segment(segments: Sequence[Segment], words: Sequence[Word]) -> list[list[Word]]:
    """The words of each segment: those starting inside it (a word on a boundary goes to the later one)."""
    grouped: list[list[Word]] = [[] for _ in segments]
    starts = [s.start for s in segments]
    for word in words:
        i = bisect.bisect_right(starts, word.start + 0.0005) - 1
        if i >= 0:
            grouped[i].append(word)
    return grouped


def _plain(segments: Sequence[Segment], speakers: bool) -> str:
    """Running text; with speakers, a new paragraph at every change of speaker."""
    if not speakers:
        return " ".join(s.text for s in segments)
    paragraphs: list[tuple[str | None, list[str]]] = []
    for seg in segments:
        if paragraphs and paragraphs[-1][0] == seg.speaker:
            paragraphs[-1][1].append(seg.text)
        else:
            paragraphs.append((seg.speaker, [seg.text]))
    return "\n\n".join(f"{who}: {' '.join(t)}" if who else " ".join(t) for who, t in paragraphs)
