"""An analysis of a clip, moved onto the timeline of the recording it was cut from.

When a request says where its audio sits on a longer recording ("the part from 1:00 to 1:30 of a longer
recording", see ``intent.find_clip``), a real model gives times on that recording's timeline. The emulator
measures what it received (times from zero) and moves every time by the clip's start before it writes its
answer, so descriptions, answers, timed transcripts and filled JSON all read on the recording's timeline.
"""

from __future__ import annotations

from dataclasses import replace

from .analysis import Analysis
from .diarize import VoiceStretch
from .facts import Span
from .recognizer import Segment, Word


def on_recording(a: Analysis, offset: float) -> Analysis:
    """``a`` with every time moved ``offset`` seconds later (the clip's start on the recording)."""
    if offset == 0:
        return a
    return replace(
        a,
        facts=replace(a.facts, start=a.facts.start + offset, sound_spans=_spans(a.facts.sound_spans, offset)),
        speech_spans=None if a.speech_spans is None else _spans(a.speech_spans, offset),
        segments=None if a.segments is None else tuple(_segment(s, offset) for s in a.segments),
        requested_range=None
        if a.requested_range is None
        else (a.requested_range[0] + offset, a.requested_range[1] + offset),
        unrecognized_speech=_spans(a.unrecognized_speech, offset),
        voices=tuple(_voice(v, offset) for v in a.voices),
    )


def received_range(
    time_range: tuple[float, float] | None, clip: tuple[float, float] | None
) -> tuple[float, float] | None:
    """A range the prompt asks for, on the received audio's timeline: a range on the recording (it starts at
    or after the clip's start) is moved back by the clip's start; one before it was meant on the clip."""
    if time_range is None or clip is None or time_range[0] < clip[0]:
        return time_range
    return time_range[0] - clip[0], time_range[1] - clip[0]


def _spans(spans: tuple[Span, ...], offset: float) -> tuple[Span, ...]:
    return tuple((round(a + offset, 3), round(b + offset, 3)) for a, b in spans)


def _segment(s: Segment, offset: float) -> Segment:
    words = tuple(Word(round(w.start + offset, 3), round(w.end + offset, 3), w.text) for w in s.words)
    return replace(s, start=round(s.start + offset, 3), end=round(s.end + offset, 3), words=words)


def _voice(v: VoiceStretch, offset: float) -> VoiceStretch:
    return replace(v, start=v.start + offset, end=v.end + offset)
