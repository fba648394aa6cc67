"""What the head of an answer says (size, type, range) and which error its status means.

The messages say what to do next: a 403 or 404 on a signed URL usually means the signature expired, a 5xx is
worth retrying later, anything else needs the file's own URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus

from ..errors import DownloadError, DownloadUnavailableError

REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class Head:
    """The status and headers of an answer (names lowercase; the last of a repeated header wins)."""

    status: int
    headers: dict[str, str]

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length", "").strip()
        return int(value) if value.isdigit() else None

    @property
    def content_type(self) -> str | None:
        """The declared type, lowercase and without parameters: a hint, never evidence."""
        value = self.headers.get("content-type", "").split(";")[0].strip().lower()
        return value[:100] or None

    @property
    def range_from_start(self) -> bool:
        """True if ``Content-Range`` is ``bytes 0-N/…``: the start of the file, as a head fetch asks."""
        match = _CONTENT_RANGE.fullmatch(self.headers.get("content-range", "").strip())
        return match is not None and match.group(1) == "0"

    @property
    def range_total(self) -> int | None:
        """The whole file's size from ``Content-Range: bytes 0-N/TOTAL`` (None for ``/*`` or none)."""
        match = _CONTENT_RANGE.fullmatch(self.headers.get("content-range", "").strip())
        return int(match.group(3)) if match is not None and match.group(3) != "*" else None

    def refuse_encoded(self, label: str) -> None:
        """Refuse a body compressed in transit (the request asked for ``identity``).

        Raises:
            DownloadError: ``Content-Encoding`` is not identity.
        """
        encoding = self.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise DownloadError(
                f"{label} was sent compressed ({encoding[:20]}) although the download asked for the plain "
                "file; download it yourself and pass the local path."
            )


def status_error(label: str, status: int) -> DownloadError:
    """The error for an answer that is neither the file nor a usable redirect (``label`` names the URL)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "(unknown status)"
    what = f"{label} answered {status} {phrase}"
    if status in (401, 403):
        return DownloadError(
            f"{what}: the server refused access. The file must be public, or the URL must carry a valid "
            "signature (a signed URL may have expired)."
        )
    if status in (404, 410):
        return DownloadError(
            f"{what}: there is no file at this URL. Check it (a signed URL may have expired)."
        )
    if status in (408, 429) or status >= 500:
        return DownloadUnavailableError(f"{what}; the server is busy or failing. Try again later.")
    if status in REDIRECTS:
        return DownloadError(f"{what} without saying where to; pass the audio file's own URL.")
    return DownloadError(f"{what}; expected the file itself (200 OK). Pass the audio file's own URL.")
