"""``gemini-audio models``: the models the key can use (models.list), which hear audio and which transcribe
natively, and which the tools use by default."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict
from typing import TextIO

from . import models
from .backend.model_choice import ListedModel
from .backend.model_list import list_models
from .config import Settings


def add_models_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "models",
        help="List the models your key can use, and which hear audio or transcribe natively.",
        description="List the models your key can use (models.list), marking which take audio and which "
        "transcribe natively (gemini-3.5-transcribe), and the defaults the tools use.",
    )
    parser.add_argument("--json", action="store_true", help="Print the list as JSON.")
    return parser


def run_models(settings: Settings, *, as_json: bool, out: TextIO) -> int:
    """Print the models ``settings``' key can use.

    Raises:
        GeminiAudioError: no key, the key was rejected, or the API failed.
    """
    listed = asyncio.run(list_models(settings))
    if as_json:
        print(json.dumps([asdict(m) for m in listed], indent=2), file=out)
        return 0
    defaults = {
        settings.model or models.DEFAULT_GENERAL_MODEL: "default for describe, ask and counts",
        settings.transcribe_model or models.DEFAULT_TRANSCRIBE_MODEL: "default for transcribe",
    }
    width = max((len(m.id) for m in listed), default=10)
    print(f"{'model':<{width}}  audio  transcribe  status", file=out)
    for m in listed:
        audio = {True: "yes", False: "no", None: "?"}[m.takes_audio]
        native = "native" if m.native_transcription else ("prompt" if m.takes_audio else "-")
        print(f"{m.id:<{width}}  {audio:<5}  {native:<10}  {_status(m, defaults.get(m.id))}", file=out)
    if any(m.takes_audio is None for m in listed):
        print(
            "\naudio ?: not in this version's catalogue (docs/models.md); models.list does not say.", file=out
        )
    return 0


def _status(model: ListedModel, default: str | None) -> str:
    text = model.status
    if model.status == "alias" and model.serves:
        text = f"alias of {model.serves}"
    elif model.status == "deprecated-routed" and model.serves:
        text = f"deprecated: answered by {model.serves}"
    return f"{text} ({default})" if default else text
