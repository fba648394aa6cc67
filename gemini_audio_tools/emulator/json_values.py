"""Request bodies and the protobuf JSON scalars the batch and cache endpoints exchange.

Google's REST APIs speak proto3 JSON: a ``Duration`` is a string of seconds ending in ``s`` (``"300s"``,
``"1.5s"``), a ``Timestamp`` is RFC 3339, and int64 counters travel as strings. Malformed values are refused
with the API's "Invalid value at '<field>'" wording, so clients see the same errors as against Google.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request

from .errors import invalid_argument, payload_too_large

_DURATION = re.compile(r"^(-?\d+(?:\.\d{1,9})?)s$")


async def read_json_object(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object, refused when over ``limit`` bytes (drained first, so the client reads the
    answer instead of a reset connection).

    Raises:
        ApiError: 400 for a body over ``limit`` or one that is not a JSON object.
    """
    chunks: list[bytes] = []
    size = 0
    async for piece in request.stream():
        size += len(piece)
        if size <= limit:
            chunks.append(piece)
    if size > limit:
        raise payload_too_large(limit)
    try:
        body = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        raise invalid_argument("Invalid JSON payload received.") from None
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received: expected an object.")
    return body


def pick(obj: dict[str, Any], camel: str, snake: str) -> Any:
    """``obj[camel]``, else ``obj[snake]``: the SDK sends camelCase, REST examples often snake_case."""
    return obj.get(camel, obj.get(snake))


def parse_duration(value: object, field: str) -> float:
    """Seconds in a proto3 JSON ``Duration`` (``"300s"``, ``"0.5s"``).

    Raises:
        ApiError: 400 when ``value`` is not such a string or is negative.
    """
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise invalid_argument(
            f"Invalid value at '{field}' (type.googleapis.com/google.protobuf.Duration), {value!r}: a "
            "duration is a number of seconds ending in 's', e.g. \"3600s\"."
        )
    seconds = float(match.group(1))
    if seconds < 0:
        raise invalid_argument(f"Invalid value at '{field}': the duration {value} is negative.")
    return seconds


def parse_timestamp(value: object, field: str) -> datetime:
    """A proto3 JSON ``Timestamp`` (RFC 3339; a value without offset is taken as UTC).

    Raises:
        ApiError: 400 when ``value`` is not an RFC 3339 time.
    """
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise invalid_argument(
            f"Invalid value at '{field}' (type.googleapis.com/google.protobuf.Timestamp), {value!r}: "
            'expected an RFC 3339 time such as "2030-01-01T00:00:00Z".'
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def int64(value: int) -> str:
    """An int64 field as proto3 JSON writes it: a decimal string."""
    return str(value)
