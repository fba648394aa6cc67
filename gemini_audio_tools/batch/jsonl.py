"""The JSONL files of a batch: requests split into parts within the API's limits, and replies read back.

Input lines are ``{"key": …, "request": GenerateContentRequest}`` (the batch guide's form); a part is as many
lines as fit both limits, in the order given, so the same requests always make the same parts (and the
same bytes: a re-run uploads nothing new). Output lines are ``{"key", "response"}`` or ``{"key", "error"}``
(a ``google.rpc.Status``), in any order.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.genai import types

from .remote import BATCH_FILE_LIFE

Line = tuple[str, dict[str, Any]]
"""A request's key and its GenerateContentRequest JSON."""


@dataclass(frozen=True)
class BatchLimits:
    """What one batch may hold (the batch guide: an input file up to 2 GB; no documented request count)."""

    max_input_bytes: int = 2_000_000_000
    max_requests: int | None = None
    file_life: dt.timedelta = BATCH_FILE_LIFE
    """How long an audio file must still live when its batch is submitted (else it is uploaded again)."""


@dataclass(frozen=True)
class Reply:
    """One request's outcome: the model's response, or why there is none."""

    response: types.GenerateContentResponse | None
    error: str | None = None


def encode_line(key: str, request: dict[str, Any]) -> bytes:
    """One input line; keys sorted so the same request is always the same bytes."""
    return json.dumps({"key": key, "request": request}, sort_keys=True, ensure_ascii=False).encode() + b"\n"


def split_parts(lines: Sequence[Line], limits: BatchLimits) -> list[list[Line]]:
    """``lines`` in as few consecutive parts as ``limits`` allow.

    Raises:
        ValueError: one line alone is larger than a part may be.
    """
    parts: list[list[Line]] = []
    current: list[Line] = []
    size = 0
    for line in lines:
        length = len(encode_line(*line))
        if length > limits.max_input_bytes:
            raise ValueError(
                f"request {line[0]} alone is {length} bytes, over the {limits.max_input_bytes} limit"
            )
        full = limits.max_requests is not None and len(current) >= limits.max_requests
        if current and (full or size + length > limits.max_input_bytes):
            parts.append(current)
            current, size = [], 0
        current.append(line)
        size += length
    if current:
        parts.append(current)
    return parts


def write_part(path: Path, lines: Sequence[Line]) -> Path:
    """Write ``lines`` to ``path`` whole or not at all (a killed writer leaves no half file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for key, request in lines:
                out.write(encode_line(key, request))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_replies(path: Path) -> dict[str, Reply]:
    """Every reply in a downloaded responses file, by key (lines without a key are skipped: they cannot be
    matched to a request)."""
    replies: dict[str, Reply] = {}
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            key = line.get("key") if isinstance(line, dict) else None
            if key is None:
                continue
            replies[str(key)] = _reply(line, number)
    return replies


def _reply(line: dict[str, Any], number: int) -> Reply:
    if isinstance(line.get("response"), dict):
        try:
            return Reply(types.GenerateContentResponse.model_validate(line["response"]))
        except ValueError as err:
            return Reply(None, f"line {number} of the results holds an unreadable response ({err})")
    error = line.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        return Reply(None, f"the API refused the request (code {code}): {error.get('message', 'no message')}")
    return Reply(None, f"line {number} of the results holds neither a response nor an error")
