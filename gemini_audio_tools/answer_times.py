"""Time codes in a free-text answer about a clip, put on the recording's timeline.

A range of a local file is cut and only the clip is sent, so the model hears audio whose own timeline starts
at zero. The prompt tells it where the clip sits and asks for times on the recording's timeline, but a model
may still write "at 00:09" for what the recording has at 01:09. :func:`onto_recording` finds the time codes
that can only be relative to the clip and moves them; everything it cannot tell for sure stays as written.

Pure functions, no I/O. The rules, for a clip ``[start, end]`` of length ``L`` (``tol`` = 0.5 s: models
round):

* Only clock-form time codes count: ``M:SS``, ``MM:SS``, ``H:MM:SS``, with an optional fraction (``.080``,
  ``,5``). A bare number of seconds is usually a length ("12 seconds of music"), so it is never moved.
* Not positions, never moved: time codes inside double quotes (words spoken: "we meet at 10:30"), times of
  day ("10:30 am", "9:15 o'clock"), lengths ("for 0:12", "lasts 0:30", "0:30 long", "0:28 of speech") and
  explicit offsets ("0:09 into the clip", "0:09 from the start").
* Two time codes joined by "-", "–", "to", "and", "through" or "until" are one range and move together.
* A time (or range) that lies in ``[start - tol, end + tol]`` is already on the recording's timeline: it is
  never moved, even when it would also fit the clip's own timeline (the prompt asked for recording times).
* A time (or range) outside the clip's place on the recording but within ``[0, L + tol]`` can only be
  relative to the clip: it is moved by ``start``, keeping the way it was written (digits, padding, fraction).
* Anything else (past both) is something the model said about another place, and stays as written.

When times were moved and others were ambiguous (inside the range and also within ``[0, L]``), the
ambiguous ones are reported as unsure: the same answer used the clip's timeline at least once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .timecode import format_timecode

TOLERANCE_SECONDS = 0.5
"""How far outside a span a time may lie and still count as in it (models round to whole seconds)."""

_CLOCK = re.compile(
    r"(?<![\w:.,])(?:(?P<h>\d{1,2}):(?=\d{2}:))?(?P<m>\d{1,3}):(?P<s>[0-5]\d)"
    r"(?:(?P<sep>[.,])(?P<frac>\d{1,3}))?(?![\w:]|[.,]\d)"
)
_JOIN = re.compile(r"\s*(?:-|–|—|to|and|through|till|until)\s*", re.IGNORECASE)
_QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”")
_TIME_OF_DAY_AFTER = re.compile(r"\s*(?:[ap]\.?\s?m\b|o'?clock\b|h\b|hrs\b|uhr\b)", re.IGNORECASE)
_LENGTH_BEFORE = re.compile(
    r"\b(?:for|lasts|lasting|lasted|last|duration of|length of|takes|took|totals?|totalling|totaling)\s*$",
    re.IGNORECASE,
)
_NOT_POSITION_AFTER = re.compile(
    r"\s*(?:long\b|in length\b|of (?:audio|speech|silence|music|sound|noise|talk)\b|into\b|"
    r"(?:from|after) the (?:start|beginning)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rebased:
    """An answer with its clip-relative time codes moved, and what was done."""

    text: str
    moved: tuple[tuple[str, str], ...] = ()
    """(as the model wrote it, as returned), in order."""
    unsure: tuple[str, ...] = ()
    """Left as written though they might be relative too (reported only when others were moved)."""


@dataclass(frozen=True)
class _Code:
    match: re.Match[str]

    @property
    def seconds(self) -> float:
        hours = int(self.match["h"] or 0)
        fraction = float(f"0.{self.match['frac']}") if self.match["frac"] else 0.0
        return hours * 3600 + int(self.match["m"]) * 60 + int(self.match["s"]) + fraction


def onto_recording(text: str, start: float, end: float) -> Rebased:
    """``text`` with every time code that can only be relative to the clip ``[start, end]`` (seconds on the
    recording) moved onto the recording's timeline (see the module docstring for the rules)."""
    if start <= TOLERANCE_SECONDS or end <= start:
        return Rebased(text)
    length = end - start
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    pieces: list[str] = []
    moved: list[tuple[str, str]] = []
    ambiguous: list[str] = []
    done = 0
    for unit in _units(text):
        first, last = unit[0].match, unit[-1].match
        if _not_position(text, first.start(), last.end(), quoted):
            continue
        values = [code.seconds for code in unit]
        written = text[first.start() : last.end()]
        if all(start - TOLERANCE_SECONDS <= v <= end + TOLERANCE_SECONDS for v in values):
            if all(v <= length + TOLERANCE_SECONDS for v in values):
                ambiguous.append(written)
            continue
        if not all(v <= length + TOLERANCE_SECONDS for v in values):
            continue
        shifted = _written_like(unit[0].seconds + start, first)
        if len(unit) == 2:
            join = text[first.end() : last.start()]
            shifted += join + _written_like(unit[1].seconds + start, last)
        pieces += [text[done : first.start()], shifted]
        done = last.end()
        moved.append((written, shifted))
    pieces.append(text[done:])
    return Rebased("".join(pieces), tuple(moved), tuple(ambiguous) if moved else ())


def _units(text: str) -> list[list[_Code]]:
    """The time codes of ``text`` in order, each alone or joined with the next into a range."""
    units: list[list[_Code]] = []
    previous_end = -1
    for match in _CLOCK.finditer(text):
        code = _Code(match)
        if match["h"] is not None and int(match["m"]) >= 60:
            continue
        joined = units and previous_end >= 0 and _JOIN.fullmatch(text[previous_end : match.start()])
        if joined and len(units[-1]) == 1:
            units[-1].append(code)
        else:
            units.append([code])
        previous_end = match.end()
    return units


def _not_position(text: str, begin: int, finish: int, quoted: list[tuple[int, int]]) -> bool:
    """True for a time code that is no place on a timeline: quoted words, a time of day, a length, or an
    offset."""
    if any(a <= begin < b for a, b in quoted):
        return True
    after = text[finish : finish + 40]
    before = text[max(0, begin - 40) : begin]
    return bool(
        _TIME_OF_DAY_AFTER.match(after) or _NOT_POSITION_AFTER.match(after) or _LENGTH_BEFORE.search(before)
    )


def _written_like(seconds: float, original: re.Match[str]) -> str:
    """``seconds`` in the style of ``original``: hours if it had them (or now needs them), the same padding
    of the leading field, the same fraction digits and separator."""
    digits = len(original["frac"] or "")
    scale = 10**digits
    total = round(seconds * scale)
    whole, fraction = divmod(total, scale)
    if not digits and not math.isclose(seconds, round(seconds), abs_tol=5e-4):
        return format_timecode(round(seconds, 3))  # the shift added a fraction the original did not have
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if original["h"] is not None or hours:
        width = len(original["h"] or "0")
        text = f"{hours:0{width}d}:{minutes:02d}:{secs:02d}"
    else:
        text = f"{minutes:0{len(original['m'])}d}:{secs:02d}"
    if digits:
        text += f"{original['sep']}{fraction:0{digits}d}"
    return text
