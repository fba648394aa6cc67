"""The contract's names (docs/contract.md), held once for every test: the tools agents call, in the order
they are listed, and the CLI subcommand of each."""

from __future__ import annotations

TOOLS: dict[str, str] = {
    "inspect_audio": "inspect",
    "upload_audio": "upload",
    "list_audio_files": "list",
    "delete_audio_file": "delete",
    "count_audio_tokens": "count-tokens",
    "transcribe_audio": "transcribe",
    "describe_audio": "describe",
    "ask_about_audio": "ask",
    "submit_audio_batch": "batch submit",
    "get_audio_batch": "batch status",
    "cancel_audio_batch": "batch cancel",
}
"""Tool name -> ``gemini-audio`` subcommand, in the order tools are listed."""

TOOL_NAMES: list[str] = list(TOOLS)
BATCH_TOOLS: list[str] = ["submit_audio_batch", "get_audio_batch", "cancel_audio_batch"]
"""The batch job tools (``audio`` is a list of files, globs or URLs; no range)."""
AUDIO_TOOLS: list[str] = [
    name for name in TOOL_NAMES if name not in ("list_audio_files", "delete_audio_file", *BATCH_TOOLS)
]
"""The tools that take ``audio`` (with ``start`` / ``end``)."""
