"""What we know about Gemini model ids: limits, thinking controls, lifecycle and replacements.

Pure data and pure functions (stdlib only), so the MCP server can import it at start-up for free. The facts
and their sources are in ``docs/models.md``; ``CATALOGUE_DATE`` says when they were last checked. Model ids
churn monthly, so nothing here is the last word: prefer the ``gemini-flash-latest`` alias or ``models.list``,
and use this catalogue to explain, plan and fail well.

How to use it::

    info = lookup("models/gemini-3.7-flash")        # ModelInfo | None; accepts "models/" and aliases
    info.status                                     # ModelStatus.ROUTED: deprecated, answered by another
    serving_model("gemini-3.7-flash")               # "gemini-3.8-flash": the model that answers requests
    replacement_for("gemini-2.0-flash")             # "gemini-3.6-flash": what to use instead (follows chains)
    suggest("gemini-3.8-flsh")                      # "gemini-3.8-flash": for "did you mean" in errors
    audio_seconds_limit("gemini-3.5-transcribe", timestamps_or_speakers=True)   # 1800.0
    info.thinking                                   # ThinkingControl.LEVEL -> ThinkingConfig(thinking_level=)

Lifecycle (``ModelStatus``): ``STABLE`` and ``PREVIEW`` ids answer as themselves; ``ROUTED`` ids are
deprecated but still answer, as ``serving_model`` (the API reports it in ``modelVersion``); ``RETIRED`` ids
answer 404 NOT_FOUND. An id we do not know is not assumed to exist: ``lookup`` returns ``None``.

Decisions (and why):

- ``lookup`` of an alias returns the target's record: callers want the limits of what will answer; use
  ``ALIASES`` / ``is_alias`` to tell the two apart.
- ``replacement_for`` follows replacements until it reaches a live model, because the documented replacement
  of an old model is often itself deprecated by now (2.0 Flash -> 3.5 Flash -> 3.6 Flash).
- Limits we could not verify are ``None`` rather than a guess; ``docs/models.md`` lists which.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import Enum

CATALOGUE_DATE = "2026-12-02"
"""When the facts below were last checked against the official pages (see docs/models.md)."""

DEFAULT_GENERAL_MODEL = "gemini-flash-latest"
"""Default for describe/ask/exact counts: the Developer API's rolling Flash alias (never goes stale)."""
FALLBACK_GENERAL_MODEL = "gemini-3.8-flash"
"""Pinned stand-in for ``DEFAULT_GENERAL_MODEL`` where the alias is not offered (absent from models.list)."""
DEFAULT_TRANSCRIBE_MODEL = "gemini-3.5-transcribe"
"""The native speech-to-text model (``audio_transcription_config``)."""

INLINE_REQUEST_LIMIT_BYTES = 100 * 1024 * 1024
"""Largest generateContent request body with inline data (100 MB since January 2026; was 20 MB). Google's
payload errors quote binary sizes ("exceeds the limit: 314572800 bytes"), hence MiB; keep a margin."""
AUDIO_TOKENS_PER_SECOND = 32
"""Audio is billed and counted at 32 tokens per second, channels merged."""

_GENERAL_AUDIO_SECONDS = 9.5 * 3600
"""Developer API: all audio in one prompt may total 9.5 h (the 1,048,576-token context binds first)."""
_1M = 1_048_576
_64K = 65_536


class ModelStatus(str, Enum):
    STABLE = "stable"
    PREVIEW = "preview"
    ROUTED = "deprecated-routed"
    """Deprecated; requests are answered by ``replacement`` (reported in the response's ``modelVersion``)."""
    RETIRED = "retired"
    """Shut down: every request answers 404 NOT_FOUND."""


class ThinkingControl(str, Enum):
    """Which ``types.ThinkingConfig`` field the model takes (google-genai 3.6.1)."""

    NONE = "none"
    BUDGET = "thinking_budget"
    """Gemini 2.5: a token budget (0 disables thinking where the model allows it, -1 is automatic)."""
    LEVEL = "thinking_level"
    """Gemini 3 and later: ``ThinkingLevel`` MINIMAL / LOW / MEDIUM / HIGH, per ``thinking_levels``."""


@dataclass(frozen=True)
class ModelInfo:
    """One model id as of ``CATALOGUE_DATE``. ``None`` means "not documented", never "unlimited"."""

    id: str
    display_name: str
    family: str
    """"flash", "flash-lite", "pro" or "transcribe"."""
    status: ModelStatus
    takes_audio: bool = True
    native_transcription: bool = False
    """Answers ``audio_transcription_config`` requests with timed, speaker-labelled parts."""
    audio_seconds: float | None = _GENERAL_AUDIO_SECONDS
    """Most audio one request may carry."""
    audio_seconds_with_timestamps: float | None = None
    """Lower per-request limit with diarization or word timestamps (transcription models)."""
    input_token_limit: int | None = _1M
    output_token_limit: int | None = _64K
    min_cache_tokens: int | None = None
    """Smallest prompt prefix the API caches (None: not documented for this model)."""
    thinking: ThinkingControl = ThinkingControl.LEVEL
    thinking_levels: tuple[str, ...] = ()
    """Accepted ``thinking_level`` values, lower case; others are refused by the API."""
    default_thinking_level: str | None = None
    replacement: str | None = None
    """ROUTED: the model that answers instead; RETIRED: the documented successor."""
    changed_on: str | None = None
    """ISO date of the last lifecycle change (release, routing or shutdown)."""

    @property
    def answers(self) -> bool:
        """Whether a request to this id gets an answer (from itself or, when ROUTED, its replacement)."""
        return self.status is not ModelStatus.RETIRED


_LEVELS_3 = ("low", "medium", "high")
_LEVELS_4 = ("minimal", "low", "medium", "high")
_S, _P, _ROUTED = ModelStatus.STABLE, ModelStatus.PREVIEW, ModelStatus.ROUTED
_BUDGET = ThinkingControl.BUDGET


def _retired(id: str, name: str, family: str, successor: str, shut_down_on: str) -> ModelInfo:
    return ModelInfo(
        id,
        name,
        family,
        ModelStatus.RETIRED,
        audio_seconds=None,
        input_token_limit=None,
        output_token_limit=None,
        thinking=ThinkingControl.NONE,
        replacement=successor,
        changed_on=shut_down_on,
    )


CATALOGUE: tuple[ModelInfo, ...] = (
    # Current: answer as themselves.
    ModelInfo(
        "gemini-3.8-flash",
        "Gemini 3.8 Flash",
        "flash",
        _S,
        min_cache_tokens=4096,
        thinking_levels=_LEVELS_3,
        default_thinking_level="medium",
        changed_on="2026-09-02",
    ),
    ModelInfo(
        "gemini-3.6-flash",
        "Gemini 3.6 Flash",
        "flash",
        _S,
        min_cache_tokens=4096,
        thinking_levels=_LEVELS_4,
        default_thinking_level="medium",
        changed_on="2026-07-21",
    ),
    ModelInfo(
        "gemini-3.5-flash-lite",
        "Gemini 3.5 Flash-Lite",
        "flash-lite",
        _S,
        default_thinking_level="minimal",
        changed_on="2026-07-21",
    ),
    ModelInfo("gemini-3.1-flash-lite", "Gemini 3.1 Flash-Lite", "flash-lite", _S, changed_on="2026-05-07"),
    ModelInfo(
        "gemini-3.1-pro-preview",
        "Gemini 3.1 Pro Preview",
        "pro",
        _P,
        min_cache_tokens=4096,
        thinking_levels=_LEVELS_3,
        default_thinking_level="high",
        changed_on="2026-02-19",
    ),
    ModelInfo(
        "gemini-3-flash-preview",
        "Gemini 3 Flash Preview",
        "flash",
        _P,
        min_cache_tokens=1024,
        changed_on="2025-12-17",
    ),
    ModelInfo(
        "gemini-4-argon",
        "Gemini 4 Argon",
        "pro",
        _S,
        thinking_levels=_LEVELS_3,
        default_thinking_level="medium",
    ),
    ModelInfo(
        "gemini-2.5-flash-lite",
        "Gemini 2.5 Flash-Lite",
        "flash-lite",
        _S,
        thinking=_BUDGET,
        changed_on="2025-07-22",
    ),
    ModelInfo(
        "gemini-3.5-transcribe",
        "Gemini 3.5 Transcribe",
        "transcribe",
        _S,
        native_transcription=True,
        audio_seconds=3600.0,
        audio_seconds_with_timestamps=1800.0,
        input_token_limit=None,
        output_token_limit=None,
        thinking=ThinkingControl.NONE,
    ),
    # Deprecated: still answer, as their replacement (the response's modelVersion says which).
    ModelInfo(
        "gemini-3.7-flash",
        "Gemini 3.7 Flash",
        "flash",
        _ROUTED,
        min_cache_tokens=4096,
        thinking_levels=_LEVELS_3,
        default_thinking_level="medium",
        replacement="gemini-3.8-flash",
        changed_on="2026-10-08",
    ),
    ModelInfo(
        "gemini-3.5-flash",
        "Gemini 3.5 Flash",
        "flash",
        _ROUTED,
        min_cache_tokens=4096,
        thinking_levels=_LEVELS_4,
        default_thinking_level="medium",
        replacement="gemini-3.6-flash",
        changed_on="2026-10-08",
    ),
    ModelInfo(
        "gemini-2.5-flash",
        "Gemini 2.5 Flash",
        "flash",
        _ROUTED,
        min_cache_tokens=2048,
        thinking=_BUDGET,
        replacement="gemini-3.5-flash-lite",
        changed_on="2026-12-01",
    ),
    ModelInfo(
        "gemini-2.5-pro",
        "Gemini 2.5 Pro",
        "pro",
        _ROUTED,
        min_cache_tokens=2048,
        thinking=_BUDGET,
        replacement="gemini-3.8-flash",
        changed_on="2026-12-01",
    ),
    # Shut down: 404 NOT_FOUND.
    _retired(
        "gemini-3.1-flash-lite-preview",
        "Gemini 3.1 Flash-Lite Preview",
        "flash-lite",
        "gemini-3.1-flash-lite",
        "2026-05-25",
    ),
    _retired("gemini-3-pro-preview", "Gemini 3 Pro Preview", "pro", "gemini-3.1-pro-preview", "2026-03-09"),
    _retired("gemini-2.0-flash", "Gemini 2.0 Flash", "flash", "gemini-3.5-flash", "2026-06-01"),
    _retired("gemini-2.0-flash-001", "Gemini 2.0 Flash 001", "flash", "gemini-3.5-flash", "2026-06-01"),
    _retired(
        "gemini-2.0-flash-lite", "Gemini 2.0 Flash-Lite", "flash-lite", "gemini-3.1-flash-lite", "2026-06-01"
    ),
    _retired(
        "gemini-2.0-flash-lite-001",
        "Gemini 2.0 Flash-Lite 001",
        "flash-lite",
        "gemini-3.1-flash-lite",
        "2026-06-01",
    ),
    _retired(
        "gemini-2.5-pro-preview-06-05",
        "Gemini 2.5 Pro Preview 06-05",
        "pro",
        "gemini-3.1-pro-preview",
        "2025-12-02",
    ),
    _retired(
        "gemini-2.5-pro-preview-05-06",
        "Gemini 2.5 Pro Preview 05-06",
        "pro",
        "gemini-3.1-pro-preview",
        "2025-12-02",
    ),
    _retired(
        "gemini-2.5-pro-preview-03-25",
        "Gemini 2.5 Pro Preview 03-25",
        "pro",
        "gemini-3.1-pro-preview",
        "2025-12-02",
    ),
    _retired("gemini-1.5-flash", "Gemini 1.5 Flash", "flash", "gemini-2.5-flash", "2025-09-29"),
    _retired(
        "gemini-1.5-flash-8b", "Gemini 1.5 Flash-8B", "flash-lite", "gemini-2.5-flash-lite", "2025-09-29"
    ),
    _retired("gemini-1.5-pro", "Gemini 1.5 Pro", "pro", "gemini-2.5-pro", "2025-09-29"),
)
"""Every id we know, as of ``CATALOGUE_DATE``. Empty ``thinking_levels``: the levels are not documented."""

ALIASES: dict[str, str] = {
    "gemini-flash-latest": "gemini-3.8-flash",
    "gemini-flash-lite-latest": "gemini-3.5-flash-lite",
    "gemini-pro-latest": "gemini-3.1-pro-preview",
}
"""Rolling aliases the Developer API lists in models.list, and the model each points to now."""

_BY_ID = {m.id: m for m in CATALOGUE}


def canonical_id(model: str) -> str:
    """``model`` without surrounding blanks and the ``models/`` resource prefix."""
    model = model.strip()
    return model.removeprefix("models/")


def is_alias(model: str) -> bool:
    return canonical_id(model) in ALIASES


def lookup(model: str) -> ModelInfo | None:
    """The record for ``model`` (``models/`` prefix and aliases accepted; an alias gives its target's
    record), or ``None`` when the id is unknown."""
    model = canonical_id(model)
    return _BY_ID.get(ALIASES.get(model, model))


def serving_model(model: str) -> str | None:
    """The id that answers a request to ``model``: itself, an alias's target, a routed id's replacement;
    ``None`` when the request would be refused (retired or unknown id)."""
    info = lookup(model)
    seen: set[str] = set()
    while info is not None and info.status is ModelStatus.ROUTED and info.replacement and info.id not in seen:
        seen.add(info.id)
        info = lookup(info.replacement)
    return info.id if info is not None and info.answers else None


def replacement_for(model: str) -> str | None:
    """What to use instead of a routed or retired ``model``: its documented replacement, followed until a
    model that answers as itself. ``None`` for current models, aliases and unknown ids."""
    info = lookup(model)
    if info is None or is_alias(model) or info.status in (ModelStatus.STABLE, ModelStatus.PREVIEW):
        return None
    seen = {info.id}
    while info is not None and info.status not in (ModelStatus.STABLE, ModelStatus.PREVIEW):
        if info.replacement is None or info.replacement in seen:
            return None
        seen.add(info.replacement)
        info = lookup(info.replacement)
    return info.id if info is not None else None


def suggest(model: str) -> str | None:
    """The closest current id or alias to an unknown ``model`` (a typo such as ``gemini-3.8-flsh``), for
    "did you mean" hints; ``None`` when nothing is close."""
    choices = [m.id for m in current_models()] + list(ALIASES)
    close = difflib.get_close_matches(canonical_id(model), choices, n=1, cutoff=0.8)
    return close[0] if close else None


def current_models(*, audio: bool = False) -> tuple[ModelInfo, ...]:
    """Models that answer as themselves (STABLE and PREVIEW); with ``audio``, only those that take audio."""
    live = (ModelStatus.STABLE, ModelStatus.PREVIEW)
    return tuple(m for m in CATALOGUE if m.status in live and (m.takes_audio or not audio))


def audio_seconds_limit(model: str, *, timestamps_or_speakers: bool = False) -> float | None:
    """Most seconds of audio one request to ``model`` may carry (the lower transcription limit when word
    timestamps or diarization are asked for); ``None`` when unknown or the model takes no audio."""
    info = lookup(serving_model(model) or model)
    if info is None or not info.takes_audio:
        return None
    if timestamps_or_speakers and info.audio_seconds_with_timestamps is not None:
        return info.audio_seconds_with_timestamps
    return info.audio_seconds
