"""SMART mode's rules: fillers, stutters and repeats out; capitals, punctuation, paragraphs and lists in."""

from __future__ import annotations

import pytest

from gemini_audio_tools.emulator.smart import remove_disfluencies, smart_text


@pytest.mark.parametrize(
    ("said", "written"),
    [
        ("Umm, so the meeting is, uh, at 10 tomorrow.", "So the meeting is at 10 tomorrow."),
        ("I think we should, um, you know, wait until Friday.", "I think we should wait until Friday."),
        ("You know, it is fine. I mean, really.", "It is fine. Really."),
        ("I- I think the the report is, erm, done.", "I think the report is done."),
        ("Hmm. Okay, ahh, fine.", "Okay fine."),
    ],
)
def test_disfluencies_go(said: str, written: str) -> None:
    assert remove_disfluencies(said) == written


@pytest.mark.parametrize(
    "kept",
    ["Do you know the way?", "What I mean is simple.", "The drummer hummed.", "Mm-hmm, yes.", "Uh-oh, rain."],
)
def test_words_that_only_look_like_fillers_stay(kept: str) -> None:
    assert remove_disfluencies(kept) == kept


def test_a_long_pause_starts_a_paragraph_and_the_text_ends_with_punctuation() -> None:
    text = smart_text(
        [(0.0, 2.0, "good morning everyone."), (2.5, 4.0, "um let us start"), (7.0, 8.0, "bye")]
    )
    assert text == "Good morning everyone. Let us start.\n\nBye."


def test_sentences_counted_from_first_become_a_numbered_list() -> None:
    said = "Welcome. First, the numbers. Second, the office. Third, holidays. That is all."
    assert smart_text([(0.0, 9.0, said)]) == (
        "Welcome.\n1. The numbers.\n2. The office.\n3. Holidays.\nThat is all."
    )


def test_ordinals_that_are_not_a_run_stay_prose() -> None:
    said = "First, the numbers. Sales went up. Second, the office."
    assert smart_text([(0.0, 5.0, said)]) == said
