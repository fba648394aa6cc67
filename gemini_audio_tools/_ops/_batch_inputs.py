"""What a batch submission names: paths, folders, globs and URLs turned into one list of files, and the
operation options every file shares.

A glob or folder lists only files inside the allowed directories (anything else matches nothing, so a
pattern cannot reveal what lies outside them); a named path is left to :func:`~._source.select_audio`,
which says precisely what is wrong with it. Files API names are refused: a batch cuts and uploads local
audio itself.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from ..batch.schemas import MAX_BATCH_FILES, SubmitAudioBatchInput
from ..config import Settings
from ..errors import GeminiAudioError, InvalidArgumentError
from ..paths import is_remote_file_ref, resolve_local_audio
from ..schemas import AskAboutAudioInput, DescribeAudioInput, TranscribeAudioInput
from ..urls import is_url

_MAGIC = frozenset("*?[")
TRANSCRIBE_OPTIONS = ("timestamps", "speakers", "languages", "vocabulary", "mode", "format")


def expand_inputs(audio: list[str], settings: Settings) -> list[str]:
    """Every file ``audio`` names, in the order given (a glob's or folder's matches sorted), each once.

    Raises:
        InvalidArgumentError: a glob or folder matches no allowed file, a Files API name was given, or more
            than :data:`MAX_BATCH_FILES` files.
    """
    found: list[str] = []
    for entry in (a.strip() for a in audio):
        if is_remote_file_ref(entry):
            raise InvalidArgumentError(
                f"{entry!r} is a Files API name; a batch takes local paths, folders, globs or URLs. Use "
                "transcribe_audio / describe_audio / ask_about_audio for an uploaded file."
            )
        if is_url(entry):
            found.append(entry)
            continue
        expanded = str(Path(entry).expanduser())
        if _MAGIC & set(entry) or Path(expanded).is_dir():
            matches = _allowed_files(expanded, settings)
            if not matches:
                raise InvalidArgumentError(
                    f"{entry!r} matches no file inside the allowed directories; check the pattern (quote it "
                    "so the shell does not expand it) or allow its folder."
                )
            found.extend(matches)
        else:
            found.append(entry)
    unique = list(dict.fromkeys(found))
    if len(unique) > MAX_BATCH_FILES:
        raise InvalidArgumentError(
            f"{len(unique)} files; one batch job takes at most {MAX_BATCH_FILES:,}. Submit them in "
            "several jobs."
        )
    return unique


def _allowed_files(pattern: str, settings: Settings) -> list[str]:
    if Path(pattern).is_dir():
        pattern = str(Path(pattern) / "*")
    matches: list[str] = []
    for match in sorted(glob.glob(pattern, recursive=True)):
        if Path(match).name.startswith(".") or not Path(match).is_file():
            continue
        try:
            resolve_local_audio(match, settings.allowed_dirs)
        except GeminiAudioError:
            continue
        matches.append(match)
    return matches


def operation_input(
    args: SubmitAudioBatchInput, audio: str
) -> TranscribeAudioInput | DescribeAudioInput | AskAboutAudioInput:
    """The interactive tool's input for one file of the batch (what its requests must match exactly)."""
    common: dict[str, Any] = {"audio": audio, "model": args.model}
    if args.operation == "transcribe":
        return TranscribeAudioInput(**common, **{name: getattr(args, name) for name in TRANSCRIBE_OPTIONS})
    if args.operation == "describe":
        return DescribeAudioInput(**common, focus=args.focus)
    return AskAboutAudioInput(**common, question=args.question or "")


def check_batch_options(args: SubmitAudioBatchInput) -> None:
    """Refuse options that do not belong to the operation, before anything is read.

    Raises:
        InvalidArgumentError: a question without operation='ask' (or none with it), a focus without
            'describe', subtitles or transcript options for describe/ask.
    """
    problems = []
    if args.operation == "ask" and not args.question:
        problems.append("operation='ask' needs a question")
    if args.question and args.operation != "ask":
        problems.append("question is only for operation='ask'")
    if args.focus and args.operation != "describe":
        problems.append("focus is only for operation='describe'")
    if args.operation != "transcribe":
        if args.format in ("srt", "vtt"):
            problems.append(f"format='{args.format}' is for transcripts; use text or json")
        defaults = SubmitAudioBatchInput.model_fields
        used = [n for n in TRANSCRIBE_OPTIONS[:-1] if getattr(args, n) != defaults[n].default]
        if used:
            problems.append(f"{', '.join(used)} apply to operation='transcribe' only")
    if problems:
        raise InvalidArgumentError("Invalid batch options: " + "; ".join(problems) + ".")


def job_options(args: SubmitAudioBatchInput) -> dict[str, Any]:
    """The options every file shares, as stored with the job (and part of its identity)."""
    fields = {"operation", "question", "focus", "model", *TRANSCRIBE_OPTIONS}
    return args.model_dump(include=fields)
