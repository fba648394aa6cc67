from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gemini_audio_tools.emulator.analysis import TranscriptNeed, analyze
from gemini_audio_tools.emulator.recognizer import Segment, Word
from gemini_audio_tools.emulator.timeline import on_recording, received_range
from tests.fixtures.audio import MakeAudio


def test_a_range_on_the_recording_is_moved_onto_the_received_clip() -> None:
    assert received_range((65.0, 70.0), (60.0, 90.0)) == (5.0, 10.0)


def test_a_range_before_the_clip_was_meant_on_the_clip_itself() -> None:
    assert received_range((5.0, 10.0), (60.0, 90.0)) == (5.0, 10.0)


def test_without_a_clip_or_a_range_nothing_changes() -> None:
    assert received_range(None, (60.0, 90.0)) is None
    assert received_range((5.0, 10.0), None) == (5.0, 10.0)


def test_every_time_of_an_analysis_moves_by_the_clips_start(make_audio: MakeAudio) -> None:
    a = analyze(Path(make_audio("wav", 4.0)), need=TranscriptNeed.EXCERPT, recognizer=lambda: None)
    segment = Segment(0.5, 1.5, "hello there", words=(Word(0.5, 0.9, "hello"), Word(1.0, 1.5, "there")))
    a = replace(a, segments=(segment,), speech_spans=((0.5, 1.5),))
    moved = on_recording(a, 60.0)
    assert moved.facts.start == a.facts.start + 60.0
    assert moved.facts.sound_spans == tuple((s + 60.0, e + 60.0) for s, e in a.facts.sound_spans)
    assert moved.speech_spans == ((60.5, 61.5),)
    assert moved.segments and moved.segments[0].start == 60.5 and moved.segments[0].end == 61.5
    assert [(w.start, w.end) for w in moved.segments[0].words] == [(60.5, 60.9), (61.0, 61.5)]
    assert on_recording(a, 0.0) is a


def test_the_clip_start_is_not_applied_twice_to_a_duration(make_audio: MakeAudio) -> None:
    a = analyze(Path(make_audio("wav", 4.0)), need=TranscriptNeed.EXCERPT, recognizer=lambda: None)
    assert on_recording(a, 60.0).facts.duration == pytest.approx(a.facts.duration)
