"""The emulated project's models: which ids answer (and as which model), and their models.get / list JSON.

The emulator serves the library's model catalogue (``gemini_audio_tools.models``, pure data) as the real
Developer API would on ``CATALOGUE_DATE``: current ids answer as themselves; deprecated ids that Google routes
to a successor answer as that successor (``modelVersion`` says which); aliases answer as their target;
retired and unknown ids are 404 NOT_FOUND. ``EmulatorSettings.models`` / ``.aliases`` hold the catalogue, so a
test can add a model newer than the catalogue or retire one.

Decisions (and why):

- models.list shows every id that answers (current, deprecated-but-routed, aliases) and no retired one: what
  the API's own 404 message sends callers to ListModels for.
- The JSON carries what google-genai 3.6.1's ``_Model_from_mldev`` reads (``supportedGenerationMethods``
  becomes ``supported_actions``); a limit the catalogue does not know is left out rather than invented.
- Page tokens are opaque offsets; pages default to 50 models and hold at most 1000, as ListModels documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import ModelInfo, ModelStatus, ThinkingControl, canonical_id
from .errors import invalid_argument
from .paging import decode_token, encode_token
from .settings import EmulatorSettings

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
_GENERAL_METHODS = ("generateContent", "countTokens", "createCachedContent", "batchGenerateContent")
_TRANSCRIBE_METHODS = ("generateContent", "countTokens", "batchGenerateContent")


@dataclass(frozen=True)
class Resolved:
    """A model id a request named, and the model that answers it."""

    requested: str
    """The id as requested, without ``models/``."""
    info: ModelInfo
    """The catalogue's record for ``requested`` (an alias's target's record for an alias)."""
    serving: ModelInfo
    """The model that answers: ``info`` itself, or where a deprecated id is routed."""


def resolve(settings: EmulatorSettings, model: str) -> Resolved | None:
    """Who answers a request to ``model``; ``None`` for a retired or unknown id (a 404 for the caller)."""
    requested = canonical_id(model)
    by_id = {m.id: m for m in settings.models}
    info = by_id.get(settings.aliases.get(requested, requested))
    serving = info
    seen: set[str] = set()
    while serving is not None and serving.status is ModelStatus.ROUTED and serving.id not in seen:
        seen.add(serving.id)
        serving = by_id.get(serving.replacement or "")
    if info is None or serving is None or serving.status is ModelStatus.RETIRED:
        return None
    return Resolved(requested, info, serving)


def listed(settings: EmulatorSettings) -> list[Resolved]:
    """Everything models.list shows, in catalogue order, aliases last."""
    names = [m.id for m in settings.models] + list(settings.aliases)
    return [r for r in (resolve(settings, n) for n in names) if r is not None]


def page(
    settings: EmulatorSettings, page_size: str | None, page_token: str | None
) -> tuple[list[Resolved], str]:
    """One page of :func:`listed` and the next page's token ("" on the last page).

    Raises:
        ApiError: 400 for a page size that is not a non-negative integer, or a token we did not issue.
    """
    if page_size is not None and not page_size.strip().isdigit():
        raise invalid_argument(f"Invalid value for pageSize: {page_size!r} is not a non-negative integer.")
    size = min(int(page_size or 0) or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    start = decode_token("models", page_token) if page_token else 0
    models = listed(settings)
    end = start + size
    return models[start:end], (encode_token("models", end) if end < len(models) else "")


def model_json(resolved: Resolved) -> dict[str, object]:
    """The resource models.get returns for ``resolved`` (also one entry of models.list)."""
    info, served = resolved.info, resolved.serving
    alias = resolved.requested != info.id
    if alias:
        display = resolved.requested.replace("-", " ").title()
        description = f"Alias that points to models/{info.id}, the newest model of its line."
    elif info.status is ModelStatus.ROUTED:
        display = info.display_name
        description = f"Deprecated: requests to this model are served by models/{served.id}."
    else:
        display = info.display_name
        description = f"{info.display_name}, as emulated offline by gemini-audio-tools (not a Google model)."
    body: dict[str, object] = {
        "name": f"models/{resolved.requested}",
        "version": "001",
        "displayName": display,
        "description": description,
    }
    if info.input_token_limit is not None:
        body["inputTokenLimit"] = info.input_token_limit
    if info.output_token_limit is not None:
        body["outputTokenLimit"] = info.output_token_limit
    methods = _TRANSCRIBE_METHODS if info.native_transcription else _GENERAL_METHODS
    body["supportedGenerationMethods"] = list(methods)
    if not info.native_transcription:
        body.update(temperature=1.0, topP=0.95, topK=64, maxTemperature=2.0)
    body["thinking"] = info.thinking is not ThinkingControl.NONE
    return body
