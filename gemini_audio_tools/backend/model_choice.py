"""Which model a request goes to, what to tell the caller about it, and the settings that suit it.

The caller's ``model`` argument wins, then the settings (``GEMINI_AUDIO_MODEL`` /
``GEMINI_AUDIO_TRANSCRIBE_MODEL``, ``--model``), then the defaults of :mod:`..models`: the rolling
``gemini-flash-latest`` alias for general work (it never goes stale) and the native transcription model for
transcripts. Model ids churned monthly in 2026, so the catalogue is used to fail well, not to gate:

* an id the catalogue knows as **retired** is refused before anything is sent, naming its replacement (the
  API would only answer 404);
* an id it knows as **deprecated and routed** is sent, and the answer is reported as coming from the model
  that actually answered (``modelVersion``), with a note;
* an id it does not know is sent as it is: models.list is the truth, and the API's own 404 for an unknown
  id is turned into the same clear error (:func:`unavailable_model`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from google.genai import types

from .. import models
from ..config import Settings
from ..errors import GeminiAudioError, UnavailableModelError

Purpose = Literal["transcribe", "general"]

_ENV = {"transcribe": "GEMINI_AUDIO_TRANSCRIBE_MODEL", "general": "GEMINI_AUDIO_MODEL"}


@dataclass(frozen=True)
class ModelChoice:
    """The model a request is sent to, and what the catalogue knows of it (None: not in the catalogue)."""

    id: str
    info: models.ModelInfo | None
    purpose: Purpose

    @property
    def native_transcription(self) -> bool:
        return self.info is not None and self.info.native_transcription

    def answered_by(self, model_version: str | None) -> str:
        """The model to name in the output: the one that answered, as the API reports it."""
        if model_version:
            return models.canonical_id(model_version)
        serving = models.serving_model(self.id)
        return serving or self.id

    def notes(self, model_version: str | None) -> list[str]:
        """What the caller should know: a deprecated id answered by another model."""
        answered = self.answered_by(model_version)
        if models.is_alias(self.id) or answered.startswith(self.id):  # "gemini-x-001" is gemini-x
            return []
        return [
            f"{self.id} is deprecated: the API answered with {answered}. Pass model={answered!r} (or set "
            f"{_ENV[self.purpose]}) to ask it directly."
        ]

    def thinking(self, light: bool) -> types.ThinkingConfig | None:
        """The thinking setting for this model: the lightest it allows when ``light`` (a transcript needs
        no reasoning), else the model's own default. None where the model has no such setting or the
        catalogue does not know it (sending one it refuses would fail the request)."""
        if not light or self.info is None:
            return None
        control = self.info.thinking
        if control is models.ThinkingControl.LEVEL and self.info.thinking_levels:
            lightest = self.info.thinking_levels[0]
            return types.ThinkingConfig(thinking_level=types.ThinkingLevel(lightest.upper()))
        if control is models.ThinkingControl.BUDGET and self.info.family != "pro":
            return types.ThinkingConfig(thinking_budget=0)
        return None


def choose_model(requested: str | None, settings: Settings, purpose: Purpose) -> ModelChoice:
    """The model for a request: ``requested`` (the tool's ``model`` argument), else the settings, else the
    default for ``purpose``.

    Raises:
        UnavailableModelError: the catalogue knows the id as shut down; the message names its replacement.
    """
    configured = settings.transcribe_model if purpose == "transcribe" else settings.model
    default = models.DEFAULT_TRANSCRIBE_MODEL if purpose == "transcribe" else models.DEFAULT_GENERAL_MODEL
    model = models.canonical_id(requested or configured or default)
    info = models.lookup(model)
    if info is not None and not info.answers:
        raise unavailable_model(model, purpose, retired_on=info.changed_on)
    return ModelChoice(model, info, purpose)


def unavailable_model(
    model: str, purpose: Purpose, *, retired_on: str | None = None
) -> UnavailableModelError:
    """The error for a model the API does not serve: retired (with its replacement) or unknown (with the
    nearest current id), and how to choose another."""
    model = models.canonical_id(model)
    replacement = models.replacement_for(model)
    if replacement is not None:
        when = f" on {retired_on}" if retired_on else ""
        what = f"{model} was shut down{when}; its replacement is {replacement}."
        choose = replacement
    else:
        nearest = models.suggest(model)
        what = f"The Gemini API does not serve a model named {model!r}" + (
            f" (did you mean {nearest!r}?)." if nearest else "."
        )
        choose = nearest or (
            models.DEFAULT_TRANSCRIBE_MODEL if purpose == "transcribe" else models.DEFAULT_GENERAL_MODEL
        )
    return UnavailableModelError(
        f"{what} Pass model={choose!r}, or set {_ENV[purpose]}; `gemini-audio models` lists the models "
        "your key can use."
    )


_NOT_FOUND = re.compile(r"models/([A-Za-z0-9._-]+) is not found")


def model_not_found(err: GeminiAudioError, choice: ModelChoice) -> UnavailableModelError | None:
    """The clear error for the API's 404 about the requested model (it answers "models/X is not found for
    API version …"), or None when ``err`` is about something else."""
    found = _NOT_FOUND.search(str(err))
    if found is None or models.canonical_id(found.group(1)) != choice.id:
        return None
    return unavailable_model(choice.id, choice.purpose)


@dataclass(frozen=True)
class ListedModel:
    """One model the key can use (models.list), with what the catalogue knows of it."""

    id: str
    display_name: str
    takes_audio: bool | None
    """None: the catalogue does not know this model (models.list does not say what it hears)."""
    native_transcription: bool
    status: str
    """"stable", "preview", "deprecated-routed" (with ``serves``), "alias" (with ``serves``) or "unknown"."""
    serves: str | None = None
    input_token_limit: int | None = None
    output_token_limit: int | None = None


def listed_model(model: types.Model) -> ListedModel:
    """A models.list entry with the catalogue's knowledge of it."""
    model_id = models.canonical_id(model.name or "")
    info = models.lookup(model_id)
    if models.is_alias(model_id):
        status, serves = "alias", models.ALIASES[model_id]
    elif info is None:
        status, serves = "unknown", None
    else:
        status, serves = info.status.value, models.serving_model(model_id) if info.replacement else None
    return ListedModel(
        id=model_id,
        display_name=model.display_name or model_id,
        takes_audio=info.takes_audio if info is not None else None,
        native_transcription=info is not None and info.native_transcription,
        status=status,
        serves=serves,
        input_token_limit=model.input_token_limit,
        output_token_limit=model.output_token_limit,
    )
