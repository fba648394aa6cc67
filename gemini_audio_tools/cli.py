"""``gemini-audio``: every registered operation as a subcommand, plus ``emulator`` and ``demo``.

Subcommands and their arguments are generated from the registry (see ``_cli_args``); no business logic lives
here. stdout carries only the result (``to_text()``, or the output model with ``--json``); progress and errors
go to stderr. Exit status: 0 success, 2 for mistakes the caller can fix (bad arguments, paths, ranges), 1 for
anything else. Tracebacks are never shown.

Allowed paths: ``--allow-dir`` (repeatable), else ``GEMINI_AUDIO_ALLOWED_DIRS``, else exactly the audio file
named on the command line (its real location, symlinks resolved) and nothing else: not its directory, not the
working directory. On a terminal the human who typed the path is the caller, so naming a file is permission to
read *that* file; its neighbours (a ``.env``, a key) stay out of reach of anything the command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Sequence
from contextlib import ExitStack, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from ._cli_args import add_operation_arguments, operation_arguments
from ._cli_batch import add_batch_command, readable_paths, run_batch
from ._cli_models import add_models_command, run_models
from ._cli_progress import StderrProgress
from ._embedded import embedded_emulator
from .config import WIRE_FORMATS, Settings, allowed_dirs_in
from .context import RunContext
from .errors import GeminiAudioError, PathNotAllowedError
from .operations import OPERATIONS, Operation, body_of, remarks_of
from .paths import is_remote_file_ref

__all__ = ["build_parser", "main", "run"]

PROG = "gemini-audio"


def _add_global_flags(parser: argparse.ArgumentParser, *, in_subcommand: bool, model: bool = True) -> None:
    # In subcommands the defaults are suppressed so a flag given before the subcommand is not overwritten.
    # An operation that uses a model has its own --model (its input field); the others take none.
    default: Any = argparse.SUPPRESS if in_subcommand else None
    group = parser.add_argument_group("global options")
    group.add_argument(
        "--allow-dir",
        action="append",
        metavar="DIR",
        default=default,
        help="Directory audio may be read from (repeatable). Default: GEMINI_AUDIO_ALLOWED_DIRS, else only "
        "the audio file you name.",
    )
    if model:
        group.add_argument(
            "--model",
            default=default,
            help="Gemini model id (default: GEMINI_AUDIO_MODEL, else gemini-flash-latest).",
        )
    group.add_argument(
        "--wire-format",
        choices=WIRE_FORMATS,
        default=default,
        help="What is sent: compact (16 kHz mono MP3 unless already compact), flac, or original (default: "
        "GEMINI_AUDIO_WIRE_FORMAT, else compact).",
    )
    group.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST[:PORT]",
        default=default,
        help="A private or loopback host that URL input may reach (repeatable; default: "
        "GEMINI_AUDIO_ALLOWED_HOSTS, else none).",
    )
    group.add_argument(
        "--emulator",
        action="store_true",
        default=default if in_subcommand else False,
        help="Run against an embedded offline Gemini emulator (no API key; its files vanish on exit).",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full parser: one subcommand per registered operation, plus ``emulator`` and ``demo``."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Gemini audio understanding from the command line."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_flags(parser, in_subcommand=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for op in OPERATIONS.values():
        if " " in op.command:  # a group's action (`batch submit`), added with its group below
            continue
        summary = op.description.split("\n\n")[0].replace("\n", " ")
        first = re.split(r"(?<=\.)\s+(?=[A-Z])", summary)[0]
        sub = commands.add_parser(op.command, help=first, description=summary)
        add_operation_arguments(sub, op)
        sub.add_argument("--json", action="store_true", help="Print the full result as JSON.")
        _add_global_flags(sub, in_subcommand=True, model=False)
        sub.set_defaults(operation=op.name)

    emulator = commands.add_parser(
        "emulator", help="Serve the offline Gemini API emulator in the foreground."
    )
    emulator.add_argument("--host", default="127.0.0.1", help="Interface to listen on (default 127.0.0.1).")
    emulator.add_argument("--port", type=int, default=0, help="Port (default 0: any free port).")

    demo = commands.add_parser("demo", help="A short tour of every tool on a bundled sample (no key needed).")
    _add_global_flags(demo, in_subcommand=True)
    _add_global_flags(add_models_command(commands), in_subcommand=True, model=False)
    for action in add_batch_command(commands):
        _add_global_flags(action, in_subcommand=True, model=False)
    return parser


def run(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI and return its exit status (for tests and embedding); see the module docstring."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        with redirect_stdout(out), redirect_stderr(err):
            args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse printed usage or help
        return int(exc.code or 0)
    try:
        if args.command == "emulator":
            from .emulator.server import serve

            serve(args.host, args.port, out=out)
            return 0
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(_settings(args, []), use_emulator=args.emulator, out=out, err=err)
        if args.command == "models":
            with ExitStack() as stack:
                settings = _settings(args, [])
                if args.emulator:
                    settings = stack.enter_context(embedded_emulator(settings))
                return run_models(settings, as_json=args.json, out=out)
        if args.command == "batch":
            with ExitStack() as stack:
                settings = _settings(args, readable_paths(args))
                if args.emulator:
                    settings = stack.enter_context(embedded_emulator(settings))
                return run_batch(args, settings, out, err)
        op = OPERATIONS[args.operation]
        return _run_operation(op, args, out, err)
    except GeminiAudioError as exc:
        print(f"{PROG}: error: {exc}{_environment_hint(exc, args)}", file=err)
        return 2 if exc.caller_fixable else 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=err)
        return 130
    except Exception as exc:  # a bug: say what, without a traceback
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc}", file=err)
        return 1


def _run_operation(op: Operation[Any, Any], args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    arguments = operation_arguments(args, op.input_model)
    with ExitStack() as stack:
        settings = _settings(args, op.audio_sources(arguments))
        if args.emulator:
            settings = stack.enter_context(embedded_emulator(settings))
        progress = StderrProgress(err, label=op.command)
        stack.callback(progress.close)
        result = asyncio.run(op.invoke(arguments, RunContext(settings=settings, progress=progress)))
    whole = result.artifact  # a paged transcript: print it whole (no tool-result cap on a terminal)
    if args.json:
        print(whole.model_dump_json(indent=2), file=out)
        return 0
    print(body_of(whole), file=out)  # the result alone: `> out.srt` stays a valid subtitle file
    for remark in remarks_of(whole):
        print(f"{PROG}: note: {remark}", file=err)
    return 0


def _settings(args: argparse.Namespace, audio: Sequence[str]) -> Settings:
    """Settings from flags and environment; with no allowed directory configured, only the named files."""
    allow = getattr(args, "allow_dir", None)
    settings = Settings.from_env().with_overrides(
        allowed_dirs=allow,
        model=getattr(args, "model", None),
        wire_format=getattr(args, "wire_format", None),
        allowed_hosts=getattr(args, "allow_host", None),
    )
    if allow or _dirs_in_environment():
        return settings
    named = [path for path in map(_named_file, audio) if path is not None]
    return settings.with_(allowed_dirs=tuple(named))


def _environment_hint(exc: GeminiAudioError, args: argparse.Namespace) -> str:
    """For a path refused because of a GEMINI_AUDIO_ALLOWED_DIRS the user may have set for the MCP server."""
    if not isinstance(exc, PathNotAllowedError) or getattr(args, "allow_dir", None):
        return ""
    if not _dirs_in_environment():
        return ""
    return (
        " (GEMINI_AUDIO_ALLOWED_DIRS is set in your environment; pass --allow-dir DIR for this command, or "
        f"unset it and {PROG} reads just the file you name.)"
    )


def _dirs_in_environment() -> bool:
    return bool(allowed_dirs_in(os.environ))


def _named_file(audio: str) -> Path | None:
    """The real path a local ``audio`` argument names (it need not exist), or None for a remote name.

    A path that cannot even be resolved (NUL byte, symlink loop) allows nothing; the operation then reports
    what is wrong with it.
    """
    text = audio.strip()
    if not text or "\0" in text or is_remote_file_ref(text):
        return None
    try:
        return Path(text).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point (``gemini-audio``)."""
    sys.exit(run(argv))


if __name__ == "__main__":
    main()
