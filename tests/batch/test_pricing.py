"""Batch prices: half the list price of the model that answers; none when no price is known."""

from __future__ import annotations

from gemini_audio_tools.batch.pricing import PRICES_PER_MILLION, batch_price_usd


def test_a_batch_costs_half_the_interactive_list_price() -> None:
    inp, out = PRICES_PER_MILLION["gemini-3.8-flash"]
    assert batch_price_usd("gemini-3.8-flash", 1_000_000, 1_000_000) == (inp + out) / 2


def test_an_alias_is_priced_as_the_model_it_points_to() -> None:
    assert batch_price_usd("models/gemini-flash-latest", 2000, 100) == batch_price_usd(
        "gemini-3.8-flash", 2000, 100
    )


def test_a_model_without_a_known_price_gets_none_not_a_guess() -> None:
    assert batch_price_usd("gemini-3.5-transcribe", 1000, 1000) is None
    assert batch_price_usd("no-such-model", 1000, 1000) is None
