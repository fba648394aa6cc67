"""Time codes as agents write them ("75", "1:15", "01:02:03.250") and ranges checked against real durations.

Pure functions, no I/O. Accepted forms: ``SS``, ``MM:SS`` and ``HH:MM:SS``, each with an optional fraction
(``.5``, ``.250``). The leading field may be any size ("90" or "90:00" are fine); the fields after it must be
below 60, because "1:75" is more likely a typo than a deliberate 2:15.

Formatting style (:func:`format_timecode`): ``M:SS`` under an hour ("0:05", "10:28"), ``H:MM:SS`` from an hour
on ("1:02:03"); a fraction is added only when the value is not whole seconds, with up to three digits and
trailing zeros dropped ("0:01.25"). Every formatted value parses back to the same number of milliseconds.

Durations are measured, so an end at most :data:`END_TOLERANCE_SECONDS` past the end is taken to mean "the
end" instead of being refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import InvalidTimeRangeError

ACCEPTED_FORMS = "'SS', 'MM:SS' or 'HH:MM:SS', fractions allowed (e.g. '75', '1:15', '01:02:03.250')"

END_TOLERANCE_SECONDS = 0.05
"""An end this close past the measured duration is clamped to it (durations are measured, not exact)."""

_TIMECODE = re.compile(r"(?:(?:(\d+):)?(\d+):)?(\d+(?:\.\d*)?|\.\d+)")
_MAX_SHOWN = 40
_MAX_LENGTH = 32
"""Longer text is no time code (and huge digit strings would overflow or hit int()'s digit limit)."""


def _show(text: str) -> str:
    shown = text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"
    return repr(shown)


def parse_timecode(text: str, *, name: str = "time") -> float:
    """Seconds denoted by ``text`` (surrounding spaces ignored).

    ``name`` says which argument is parsed ("start", "end", "cursor") so the message can name it.

    Raises:
        InvalidTimeRangeError: not one of the accepted forms, negative, or a minutes/seconds field of 60 or
            more after the leading field; the message quotes the value and lists the accepted forms.
    """
    if not isinstance(text, str):
        raise InvalidTimeRangeError(f"{name} must be a time code string in the form {ACCEPTED_FORMS}.")
    stripped = text.strip()
    fits = stripped.isascii() and len(stripped) <= _MAX_LENGTH
    match = _TIMECODE.fullmatch(stripped) if fits else None
    if match is None:
        hint = " Times cannot be negative." if stripped.startswith("-") else ""
        raise InvalidTimeRangeError(f"{name} {_show(text)} is not a time code; use {ACCEPTED_FORMS}.{hint}")
    hours_text, minutes_text, seconds_text = match.groups()
    seconds = float(seconds_text)
    if minutes_text is None:
        return _finite(seconds, name, text)
    minutes = int(minutes_text)
    if seconds >= 60:
        raise InvalidTimeRangeError(
            f"{name} {_show(text)} has {seconds_text} in the seconds field; seconds after a colon "
            f"must be below 60 (write {_suggest(stripped)} instead)."
        )
    if hours_text is None:
        return _finite(minutes * 60 + seconds, name, text)
    if minutes >= 60:
        raise InvalidTimeRangeError(
            f"{name} {_show(text)} has {minutes_text} in the minutes field; minutes in 'HH:MM:SS' must be "
            f"below 60 (write {_suggest(stripped)} instead)."
        )
    return _finite(int(hours_text) * 3600 + minutes * 60 + seconds, name, text)


def _finite(value: float, name: str, text: str) -> float:
    if not math.isfinite(value):
        raise InvalidTimeRangeError(
            f"{name} {_show(text)} is too large to be a time code; use {ACCEPTED_FORMS}."
        )
    return value


def _suggest(stripped: str) -> str:
    """The canonical form of an over-full time code, e.g. '1:75' -> '2:15' (for the error message)."""
    total = 0.0
    for field in stripped.split(":"):
        total = total * 60 + float(field)
    return repr(format_timecode(total))


def format_timecode(seconds: float) -> str:
    """Format ``seconds`` as ``M:SS`` under an hour and ``H:MM:SS`` from an hour on, with a fraction (up to
    milliseconds, trailing zeros dropped) only when needed: 628 -> "10:28", 3723 -> "1:02:03",
    1.25 -> "0:01.25". Values are rounded to the nearest millisecond.

    Raises:
        ValueError: ``seconds`` is negative or not finite (a programming error, not a caller's).
    """
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"cannot format {seconds!r} as a time code")
    millis_total = round(seconds * 1000)
    whole, millis = divmod(millis_total, 1000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    if millis:
        text += f".{millis:03d}".rstrip("0")
    return text


@dataclass(frozen=True)
class Span:
    """A stretch of a file's timeline, in seconds: the one form a range takes from the parsed time codes,
    through chunk plans and clips, to the times results are re-based onto.

    A chunk of a longer range is sent as ``[start, end]`` but owns only what starts in ``[keep_start,
    keep_end)``: neighbouring chunks overlap around each cut, so a word at a cut is heard whole by one of them
    and kept once. A span that is not a chunk keeps all of itself (the defaults).
    """

    start: float
    end: float
    keep_start: float = math.nan
    keep_end: float = math.nan
    index: int = 0
    """0-based position among the chunks of one plan."""

    def __post_init__(self) -> None:
        if math.isnan(self.keep_start):
            object.__setattr__(self, "keep_start", self.start)
        if math.isnan(self.keep_end):
            object.__setattr__(self, "keep_end", self.end)

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def label(self) -> str:
        """E.g. "1:00–2:30.5"."""
        return f"{format_timecode(self.start)}–{format_timecode(self.end)}"

    def covers(self, duration: float) -> bool:
        """True when this is all of a ``duration``-second file (nothing needs cutting)."""
        return self.start == 0 and self.end == duration

    def halves(self, overlap: float) -> tuple[Span, Span]:
        """Two spans splitting this one at the middle of what it keeps, overlapping by ``overlap`` around the
        cut (for a reply that hit the output-token limit: each half needs about half the tokens)."""
        middle = (self.keep_start + self.keep_end) / 2
        half = min(overlap, self.seconds / 4) / 2
        first = Span(self.start, min(self.end, middle + half), self.keep_start, middle, self.index)
        second = Span(max(self.start, middle - half), self.end, middle, self.keep_end, self.index)
        return first, second


def resolve_range(start: str | None, end: str | None, duration: float) -> Span:
    """Parse ``start``/``end`` (None = the file's start/end) and check them against ``duration`` seconds.

    An end up to :data:`END_TOLERANCE_SECONDS` past ``duration`` is clamped to it, so an explicit start of 0
    and an end at the duration cover the whole file (:meth:`Span.covers`).

    Raises:
        InvalidTimeRangeError: a time code does not parse, start is not before end, or start/end lie past the
            end of the audio; the message gives the audio's length and what to pass instead.
    """
    first = None if start is None else parse_timecode(start, name="start")
    last = None if end is None else parse_timecode(end, name="end")
    return _checked(first, last, duration, start, end)


def resolve_seconds(start: float | None, end: float | None, duration: float) -> Span:
    """:func:`resolve_range` for times already in seconds (e.g. a library caller's floats): the same checks,
    clamping and messages, with the times written as time codes.

    Raises:
        InvalidTimeRangeError: a negative or non-finite time, start not before end, or start/end past the
            end of the audio; the message gives the audio's length and what to pass instead.
    """
    for name, value in (("start", start), ("end", end)):
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise InvalidTimeRangeError(
                f"{name} {value!r} is not a time in the audio; times cannot be negative (use seconds "
                "from the start of the audio, e.g. 75.0)."
            )
    return _checked(start, end, duration, None, None)


def _checked(
    start: float | None, end: float | None, duration: float, start_text: str | None, end_text: str | None
) -> Span:
    """The range ``[start, end]`` (None = the file's start/end) checked against ``duration``; the texts are
    the caller's own spellings, quoted in messages when given."""
    length = format_timecode(duration)
    first = 0.0 if start is None else start
    last = duration if end is None else end
    if first >= duration:
        raise InvalidTimeRangeError(
            f"start {_clock(start_text, first)} is at or past the end of the audio ({length}); use a start "
            f"before {length} or omit start."
        )
    if last > duration + END_TOLERANCE_SECONDS:
        raise InvalidTimeRangeError(
            f"end {_clock(end_text, last)} is past the end of the audio ({length}); use an end of at most "
            f"{length} or omit end."
        )
    last = min(last, duration)
    if first >= last:
        raise InvalidTimeRangeError(
            f"start {_clock(start_text, first)} must be before end {_clock(end_text, last)}; swap them or "
            f"omit one (the audio is {length} long)."
        )
    return Span(first, last)


def _clock(text: str | None, seconds: float) -> str:
    """The caller's own spelling of a time code when there is one, else the formatted value."""
    return format_timecode(seconds) if text is None else text.strip()
