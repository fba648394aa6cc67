"""models.list for people: what the key can use, and which models hear audio or transcribe natively."""

from __future__ import annotations

from ..config import Settings
from .client import Backend
from .model_choice import ListedModel, listed_model
from .retry import with_retries


async def list_models(settings: Settings) -> list[ListedModel]:
    """Every model the configured key can call, in the API's order, with the catalogue's knowledge of it.

    Raises:
        AuthenticationError: no key, or the key was rejected.
        GeminiAudioError: the API failed, after retries.
    """
    backend = Backend.from_settings(settings)

    async def every() -> list[ListedModel]:
        pager = await backend.client.aio.models.list()
        return [listed_model(model) async for model in pager]

    return await with_retries(every, backend.retry, action="listing the models your key can use")
