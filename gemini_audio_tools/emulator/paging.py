"""List pages as the API hands them out: newest first, ``pageSize`` capped, an opaque ``nextPageToken``.

A token names the position after which the next page starts (the creation sequence number of the last item
sent), so items created or deleted between two calls never shift a page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar

from .errors import invalid_argument
from .settings import EmulatorSettings

T = TypeVar("T")


def page_size_param(raw: str | None) -> int | None:
    """The ``pageSize`` query parameter.

    Raises:
        ApiError: 400 when it is not a non-negative integer.
    """
    if raw is None or raw == "":
        return None
    if not raw.lstrip("-").isdigit():
        raise invalid_argument(f"Invalid value for pageSize: '{raw}' is not an integer.")
    if int(raw) < 0:
        raise invalid_argument(f"pageSize must not be negative, got {raw}.")
    return int(raw)


def page(
    items: Sequence[T],
    seq: Callable[[T], int],
    page_size: int | None,
    page_token: str | None,
    settings: EmulatorSettings,
    kind: str = "after",
) -> tuple[list[T], str | None]:
    """One page of ``items`` (newest first by ``seq``) and the next page's token (``None`` on the last).

    Raises:
        ApiError: 400 for a token this function did not hand out.
    """
    size = max(1, min(page_size or settings.default_page_size, settings.max_page_size))
    ordered = sorted(items, key=seq, reverse=True)
    if page_token:
        before = decode_token(kind, page_token)
        ordered = [item for item in ordered if seq(item) < before]
    chunk = ordered[:size]
    more = len(ordered) > size
    return chunk, (encode_token(kind, seq(chunk[-1])) if more and chunk else None)


def encode_token(kind: str, position: int) -> str:
    """An opaque page token for ``position`` of a list of ``kind`` (``kind`` keeps lists' tokens apart)."""
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("=")


def decode_token(kind: str, token: str) -> int:
    """The position :func:`encode_token` put in ``token``.

    Raises:
        ApiError: 400 for a token that :func:`encode_token` did not make for ``kind``.
    """
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = raw.partition(":")
        if prefix == kind and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise invalid_argument(f"Invalid page token '{token}'; pass the nextPageToken of a previous page.")
