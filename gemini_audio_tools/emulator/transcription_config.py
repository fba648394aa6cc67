"""``generationConfig.audioTranscriptionConfig``: read, checked and limited as the transcription model does.

The google-genai SDK (3.6) puts the config object into ``generationConfig`` as it is, so its fields arrive in
snake_case (``word_timestamp``, ``custom_vocabulary``); REST callers write camelCase. Both are read; unknown
fields and bad values get the API's proto-JSON errors. Rules (ai.google.dev, models/gemini-3.5-transcribe,
"latest update August 2026", and the SDK's field docs):

* ``mode`` VERBATIM (default) or SMART; timestamps and diarization are incompatible with SMART.
* ``customVocabulary`` up to 1,000 phrases (the deprecated ``adaptationPhrases`` count too).
* ``languageCodes`` BCP-47 hints (the deprecated ``languageHints.languageCodes`` too); none means detect.
* Audio per request: 1 hour, 30 minutes with diarization or word timestamps (``EmulatorSettings``).
* The config belongs to transcription models; a general model refuses it (the emulator's choice: the docs
  do not say, and a silent ignore would hide a wrong model id).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, invalid_argument
from .model_types import TranscriptionConfig
from .settings import EmulatorSettings

FIELD = "generation_config.audio_transcription_config"
_ENUM_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1beta.AudioTranscriptionConfig.Mode"
_KNOWN = {
    "languageCodes",
    "languageAuto",
    "languageHints",
    "customVocabulary",
    "adaptationPhrases",
    "wordTimestamp",
    "diarization",
    "mode",
    "sourceText",
}
_BCP47 = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _strings(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_argument(
            f"Invalid value at '{FIELD}.{field}' (TYPE_STRING): expected a list of strings, got {value!r}."
        )
    return tuple(v.strip() for v in value if v.strip())


def _bool(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise invalid_argument(f"Invalid value at '{FIELD}.{field}' (TYPE_BOOL), {value!r}")
    return value


def read_config(raw: Any) -> TranscriptionConfig:
    """Parse the config object (snake_case or camelCase keys).

    Raises:
        ApiError: 400 INVALID_ARGUMENT for unknown fields, wrong types, an unknown mode, a malformed
            language code, more than 1,000 vocabulary phrases, or SMART with timestamps or diarization.
    """
    if not isinstance(raw, dict):
        raise invalid_argument(f"Invalid value at '{FIELD}': expected an object, got {raw!r}.")
    fields = {_camel(str(key)): value for key, value in raw.items()}
    for name in fields:
        if name not in _KNOWN:
            raise invalid_argument(
                f"Invalid JSON payload received. Unknown name \"{name}\" at '{FIELD}': Cannot find field."
            )
    hints = fields.get("languageHints")
    hinted = hints.get("language_codes", hints.get("languageCodes")) if isinstance(hints, dict) else None
    languages = _strings(fields.get("languageCodes"), "language_codes") + _strings(hinted, "language_hints")
    for code in languages:
        if not _BCP47.match(code):
            raise invalid_argument(
                f"Invalid language code '{code}' in {FIELD}.language_codes: use BCP-47 codes such as "
                "'en-US' or 'de-DE'."
            )
    vocabulary = _strings(fields.get("customVocabulary"), "custom_vocabulary") + _strings(
        fields.get("adaptationPhrases"), "adaptation_phrases"
    )
    mode = fields.get("mode") or "MODE_UNSPECIFIED"
    if not isinstance(mode, str) or mode.upper() not in ("MODE_UNSPECIFIED", "VERBATIM", "SMART"):
        raise invalid_argument(f"Invalid value at '{FIELD}.mode' ({_ENUM_TYPE}), {mode!r}")
    source_text = fields.get("sourceText")
    if source_text is not None and not isinstance(source_text, str):
        raise invalid_argument(f"Invalid value at '{FIELD}.source_text' (TYPE_STRING), {source_text!r}")
    config = TranscriptionConfig(
        language_codes=tuple(dict.fromkeys(languages)),
        vocabulary=tuple(dict.fromkeys(vocabulary)),
        word_timestamps=_bool(fields.get("wordTimestamp"), "word_timestamp"),
        diarization=_bool(fields.get("diarization"), "diarization"),
        smart=mode.upper() == "SMART",
        source_text=source_text or None,
    )
    _check(config, len(vocabulary))
    return config


def _check(config: TranscriptionConfig, phrases: int) -> None:
    if phrases > 1000:
        raise invalid_argument(
            f"{FIELD}.custom_vocabulary has {phrases} phrases; at most 1000 are allowed. Keep the terms the "
            "audio really contains (up to about 100 work best)."
        )
    if config.smart and config.detailed:
        asked = " and ".join(
            name
            for name, on in (("word_timestamp", config.word_timestamps), ("diarization", config.diarization))
            if on
        )
        raise invalid_argument(
            f"{FIELD}: mode SMART is incompatible with {asked}. Use mode VERBATIM for timestamps or "
            "diarization, or turn them off for SMART transcription."
        )


def transcription_request(
    model: str,
    generation_config: dict[str, Any],
    audio_parts: int,
    audio_seconds: float,
    settings: EmulatorSettings,
) -> TranscriptionConfig | None:
    """The transcription config of a generateContent request, or None for a general model without one.

    Raises:
        ApiError: 400 for a config a general model was given, a bad config (:func:`read_config`), no audio,
            or more audio than the transcription model takes in one request.
    """
    raw = generation_config.get(
        "audioTranscriptionConfig", generation_config.get("audio_transcription_config")
    )
    if model not in settings.transcription_models:
        if raw is None:
            return None
        raise invalid_argument(
            f"audio_transcription_config is not supported by models/{model}. Use a transcription model "
            f"({', '.join('models/' + m for m in settings.transcription_models)}) for native transcription, "
            "or remove it and ask for a transcript in the prompt."
        )
    config = TranscriptionConfig() if raw is None else read_config(raw)
    if not audio_parts:
        raise invalid_argument(
            f"models/{model} transcribes audio, and the request has no audio part: add the audio as "
            "inline_data or file_data."
        )
    plain, detailed = settings.transcription_limits(model)
    limit = detailed if config.detailed else plain
    if audio_seconds > limit:
        raise ApiError(400, _too_long(model, audio_seconds, limit, config, plain), "INVALID_ARGUMENT")
    return config


def _too_long(model: str, seconds: float, limit: float, config: TranscriptionConfig, plain: float) -> str:
    why = ""
    if config.detailed:
        why = f" with diarization or word timestamps ({plain / 60:g} minutes without them)"
    return (
        f"The request contains {seconds / 60:.1f} minutes of audio; models/{model} accepts at most "
        f"{limit / 60:g} minutes per request{why}. Split the audio into shorter parts."
    )
