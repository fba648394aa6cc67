"""Speaker labels matched across requests by the words both heard around a cut."""

from __future__ import annotations

from gemini_audio_tools._ops._speakers import align_speakers
from gemini_audio_tools._ops._transcript_parts import Piece
from gemini_audio_tools.schemas import Segment, Word
from gemini_audio_tools.timecode import Span


def piece(span: Span, *words: tuple[str, float, str]) -> Piece:
    timed = [Word(word=w, start=t, end=t + 0.3, speaker=s) for w, t, s in words]
    segments = [Segment(start=w.start, end=w.end, speaker=w.speaker, text=w.word) for w in timed]
    return Piece(span, segments, timed)


def test_the_next_requests_labels_follow_the_words_both_requests_heard() -> None:
    first = piece(
        Span(0, 12, 0, 10), ("hello", 1.0, "spk_1"), ("yes", 9.0, "spk_2"), ("right", 11.0, "spk_1")
    )
    # the second request heard the same two words around the cut, and labelled the voices the other way round
    second = piece(
        Span(8, 20, 10, 20), ("yes", 9.1, "spk_1"), ("right", 11.2, "spk_2"), ("ok", 15.0, "spk_1")
    )
    (one, two), unmatched = align_speakers([first, second])
    assert [w.speaker for w in one.words] == ["Speaker 1", "Speaker 2", "Speaker 1"]
    assert [w.speaker for w in two.words] == ["Speaker 2", "Speaker 1", "Speaker 2"]
    assert [s.speaker for s in two.segments] == ["Speaker 2", "Speaker 1", "Speaker 2"]
    assert unmatched == []


def test_a_label_with_no_shared_word_becomes_a_new_speaker_and_the_cut_is_reported() -> None:
    first = piece(Span(0, 12, 0, 10), ("hello", 1.0, "spk_1"))
    second = piece(Span(8, 20, 10, 20), ("later", 15.0, "spk_1"))
    (_, two), unmatched = align_speakers([first, second])
    assert [w.speaker for w in two.words] == ["Speaker 2"] and unmatched == [10]


def test_words_far_apart_in_time_do_not_match_though_they_read_the_same() -> None:
    first = piece(Span(0, 12, 0, 10), ("yes", 8.0, "spk_1"))
    second = piece(Span(8, 20, 10, 20), ("yes", 11.5, "spk_1"), ("no", 9.0, "spk_2"))
    (_, two), unmatched = align_speakers([first, second])
    assert {w.speaker for w in two.words} == {"Speaker 2", "Speaker 3"} and unmatched == [10]
