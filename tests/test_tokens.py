import math

import pytest

from gemini_audio_tools.tokens import AUDIO_TOKENS_PER_SECOND, estimate_audio_tokens, estimate_text_tokens


def test_one_minute_of_audio_costs_1920_tokens() -> None:
    assert AUDIO_TOKENS_PER_SECOND == 32
    assert estimate_audio_tokens(60.0) == 1920


def test_partial_seconds_round_up_to_the_next_token() -> None:
    assert estimate_audio_tokens(0.01) == 1
    assert estimate_audio_tokens(10.02) == math.ceil(32 * 10.02)


def test_exact_durations_do_not_gain_a_token_from_float_noise() -> None:
    assert estimate_audio_tokens(0.1 * 3) == 10


def test_no_audio_costs_nothing() -> None:
    assert estimate_audio_tokens(0.0) == 0


@pytest.mark.parametrize("bad", [-1.0, math.inf, math.nan])
def test_negative_or_non_finite_durations_are_rejected(bad: float) -> None:
    with pytest.raises(ValueError, match="finite, non-negative"):
        estimate_audio_tokens(bad)


def test_text_is_estimated_at_four_characters_per_token_rounded_up() -> None:
    assert estimate_text_tokens("") == 0
    assert estimate_text_tokens("abcd") == 1
    assert estimate_text_tokens("abcde") == 2
