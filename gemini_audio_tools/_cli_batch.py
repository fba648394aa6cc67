"""``gemini-audio batch submit|status|results|cancel|list``: batch jobs from the command line.

Each action runs a registered operation (``submit_audio_batch``, ``get_audio_batch``,
``cancel_audio_batch``) or, for ``list``, reads the local job store; no business logic lives here. Exit
status: 0 when every file has its output (or the action succeeded), 1 when a job finished with files
missing or is not finished yet (``results``), 2 for mistakes the caller can fix.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any, TextIO

from ._cli_progress import StderrProgress
from .batch.schemas import GetAudioBatchOutput, SubmitAudioBatchInput
from .config import Settings
from .context import RunContext
from .operations import OPERATIONS

_SUBMIT_OPTIONS = ("question", "focus", "model")


def add_batch_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> list[argparse.ArgumentParser]:
    """Add ``batch`` and its actions; returns the action parsers (the caller adds its global flags)."""
    batch = commands.add_parser(
        "batch",
        help="Many files at half price through the Gemini Batch API (results within 24 h).",
        description="Submit many files as a batch job, follow it, collect its outputs.",
    )
    actions = batch.add_subparsers(dest="batch_action", metavar="ACTION", required=True)
    submit = actions.add_parser("submit", help="Plan, upload and submit files as one job.")
    submit.add_argument(
        "audio", nargs="+", metavar="PATH_OR_GLOB_OR_URL", help="Files, folders, globs, URLs."
    )
    fields = SubmitAudioBatchInput.model_fields
    submit.add_argument("--operation", choices=["transcribe", "describe", "ask"], default="transcribe")
    for name in _SUBMIT_OPTIONS:
        submit.add_argument(f"--{name}", default=argparse.SUPPRESS, help=fields[name].description)
    submit.add_argument("--format", choices=["text", "json", "srt", "vtt"], default=argparse.SUPPRESS)
    submit.add_argument("--mode", choices=["verbatim", "smart"], default=argparse.SUPPRESS)
    for flag in ("timestamps", "speakers"):
        submit.add_argument(f"--{flag}", action="store_true", default=argparse.SUPPRESS)
    for name in ("languages", "vocabulary"):
        submit.add_argument(f"--{name}", nargs="+", default=argparse.SUPPRESS, help=fields[name].description)
    submit.add_argument("--out", dest="out_dir", metavar="DIR", help="Folder for the outputs.")
    submit.add_argument("--plan-only", action="store_true", help="Plan and estimate; submit nothing.")
    submit.add_argument("--wait", action="store_true", help="Wait with progress until the job ends.")
    parsers = [submit]
    for action, text in (
        ("status", "Show a job's state and each file's."),
        ("results", "Write a finished job's outputs and list them."),
        ("cancel", "Cancel a job's pending or running batches."),
    ):
        parser = actions.add_parser(action, help=text)
        parser.add_argument("job", metavar="JOB")
        if action == "results":
            parser.add_argument(
                "--out", dest="out_dir", metavar="DIR", help="Write the outputs here instead."
            )
        parsers.append(parser)
    parsers.append(actions.add_parser("list", help="List the jobs submitted with this key and endpoint."))
    for parser in parsers:
        parser.add_argument("--json", action="store_true", help="Print the full result as JSON.")
    return parsers


def readable_paths(args: argparse.Namespace) -> list[str]:
    """What a batch command may read and write when no allowed directory is configured: the files named,
    the folder a glob or folder names, and the output folder."""
    found = []
    for entry in getattr(args, "audio", []):
        magic = next((i for i, c in enumerate(entry) if c in "*?["), None)
        found.append(entry if magic is None else str(Path(entry[:magic]).parent if entry[:magic] else "."))
    out = getattr(args, "out_dir", None)
    if out:
        Path(out).expanduser().mkdir(parents=True, exist_ok=True)
        found.append(out)
    return found


def run_batch(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    """Run one ``batch`` action (see the module docstring).

    Raises:
        GeminiAudioError: the action failed (the caller prints it).
    """
    action = args.batch_action
    if action == "list":
        return _list(settings, args.json, out)
    progress = StderrProgress(err, label=f"batch {action}")
    try:
        ctx = RunContext(settings=settings, progress=progress)
        if action == "submit":
            return asyncio.run(_submit(args, ctx, out, err))
        if action == "cancel":
            result = asyncio.run(OPERATIONS["cancel_audio_batch"].invoke({"job": args.job}, ctx))
            print(result.output.model_dump_json(indent=2) if args.json else result.text, file=out)
            return 0
        arguments: dict[str, Any] = {"job": args.job}
        if getattr(args, "out_dir", None):
            arguments["out_dir"] = args.out_dir
        status = asyncio.run(OPERATIONS["get_audio_batch"].invoke(arguments, ctx)).output
    finally:
        progress.close()
    return _report(status, args.json, action == "results", out, err)


async def _submit(args: argparse.Namespace, ctx: RunContext, out: TextIO, err: TextIO) -> int:
    given = vars(args)
    names = ("audio", "operation", "format", "mode", "timestamps", "speakers", "languages", "vocabulary")
    arguments = {
        n: given[n] for n in (*names, *_SUBMIT_OPTIONS, "out_dir", "plan_only") if given.get(n) is not None
    }
    submitted = (await OPERATIONS["submit_audio_batch"].invoke(arguments, ctx)).output
    if not args.wait or submitted.state == "PLANNED":
        print(submitted.model_dump_json(indent=2) if args.json else submitted.to_text(), file=out)
        return 0
    print(submitted.to_text(), file=err)
    from ._ops.batch import wait_for_job  # the SDK loads only when waiting

    status = await wait_for_job(submitted.job, ctx)
    return _report(status, args.json, True, out, err)


def _report(status: GetAudioBatchOutput, as_json: bool, results: bool, out: TextIO, err: TextIO) -> int:
    """Print a job's state: every file's output path (``results``) or state; failures on stderr."""
    if as_json:
        print(status.model_dump_json(indent=2, exclude={"files": {"__all__": {"text"}}}), file=out)
    else:
        summary = (
            f"{status.job} ({status.operation}): {status.state}; {status.done} done, {status.failed} failed, "
            f"{status.pending} pending"
        )
        print(summary if not results else f"gemini-audio: {summary}", file=err if results else out)
        for f in status.files:
            if f.status == "done" and f.output:
                print(f.output if results else f"done     {f.file} -> {f.output}", file=out)
            elif f.status == "failed":
                print(f"gemini-audio: failed: {f.file}: {f.error}", file=err)
            elif not results:
                print(f"pending  {f.file}", file=out)
        for note in status.notes:
            print(f"gemini-audio: note: {note}", file=err)
    if status.state in ("PENDING", "RUNNING", "SUBMITTING"):
        if results:
            print(
                f"gemini-audio: {status.job} is {status.state}; run this again once it has ended.", file=err
            )
            return 1
        return 0
    return 1 if status.failed or status.pending else 0


def _list(settings: Settings, as_json: bool, out: TextIO) -> int:
    from ._ops.batch import list_jobs

    jobs = list_jobs(settings)
    if as_json:
        rows = [
            {
                "job": j.id,
                "created_at": j.created_at,
                "operation": j.operation,
                "model": j.model,
                "files": j.plan.get("files"),
                "out_dir": j.out_dir,
                "cancelled": j.cancelled,
            }
            for j in jobs
        ]
        print(json.dumps(rows, indent=2), file=out)
        return 0
    if not jobs:
        print("No batch jobs for this key and endpoint.", file=out)
    for j in jobs:
        flag = " (cancelled)" if j.cancelled else ""
        print(
            f"{j.id}  {j.created_at[:19]}  {j.operation:<10}  {j.plan.get('files', '?')} file(s){flag}",
            file=out,
        )
    return 0
