"""What a batch is expected to cost: list prices per model, halved for the Batch API.

The model catalogue (:mod:`..models`) resolves aliases and routed ids to the model that answers; this table
holds the paid-tier list prices known for those models (USD per million tokens, input and output, from
ai.google.dev/gemini-api/docs/pricing as transcribed on 2026-09-20; prompts up to 200k tokens). A model
without a known price gets none rather than a guess: the plan then reports tokens only.
"""

from __future__ import annotations

from .. import models

BATCH_DISCOUNT = 0.5
"""The Batch API bills half the interactive price."""

PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gemini-3.8-flash": (0.75, 3.75),
    "gemini-3.5-flash": (1.50, 9.00),
    "gemini-3.1-pro-preview": (2.00, 12.00),
    "gemini-2.5-flash": (1.00, 2.50),
}
"""Model id -> (input, output) USD per million tokens, interactive. Audio input where priced separately."""


def batch_price_usd(model: str, input_tokens: int, output_tokens: int) -> float | None:
    """The expected batch price of ``input_tokens`` in and ``output_tokens`` out on ``model`` (what the
    model answering it costs), or None when no price is known for it."""
    serving = models.serving_model(model) or models.canonical_id(model)
    price = PRICES_PER_MILLION.get(serving)
    if price is None:
        return None
    interactive = (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000
    return round(interactive * BATCH_DISCOUNT, 6)
