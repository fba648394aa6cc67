"""Reading a generateContent / countTokens body: text, ``inlineData`` and ``fileData`` parts, config.

Pure parsing, no I/O: file references come out as ids for the caller to resolve against the store, and
external URLs (``fileData.fileUri`` that is an http(s) URL but no Files API URI) as URLs for the caller to
fetch, as the real API fetches public and signed URLs. Accepts both the camelCase the SDK sends and the
snake_case the REST API also tolerates.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import invalid_argument

_FILE_URI = re.compile(r"(?:files/|https?://[^/?#\s]+/(?:v1|v1beta|v1alpha)/files/)([a-z0-9-]+)")
"""A Files API name, or a file's ``uri`` as the Files API returns it (``{root}/{version}/files/{id}``)."""
_FILES_PATH = re.compile(r"https?://[^/?#\s]+/(?:v1|v1beta|v1alpha)/files/.*", re.IGNORECASE)
_EXTERNAL_URL = re.compile(r"https?://[^/?#\s]+(?:[/?#]\S*)?", re.IGNORECASE)


@dataclass(frozen=True)
class MediaPart:
    """An inline blob (``data`` set), a reference to an uploaded file (``file_id`` set) or an external URL
    for the API to fetch (``url`` set)."""

    index: int
    mime_type: str
    data: bytes | None = None
    file_id: str | None = None
    url: str | None = None


@dataclass
class ParsedRequest:
    texts: list[str] = field(default_factory=list)
    media: list[MediaPart] = field(default_factory=list)
    system_instruction: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        return "\n\n".join(self.texts)


def _get(obj: dict[str, Any], camel: str) -> Any:
    snake = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel)
    return obj.get(camel, obj.get(snake))


def parse_request(body: dict[str, Any]) -> ParsedRequest:
    """Split a request body into prompt texts, media parts, system instruction and generation config.

    Raises:
        ApiError: 400 for a malformed body (no contents, bad base64, a part of no known kind, …).
    """
    if "generateContentRequest" in body:  # countTokens also accepts a whole generateContent request
        inner = body["generateContentRequest"]
        if not isinstance(inner, dict):
            raise invalid_argument("generateContentRequest must be an object.")
        body = inner
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise invalid_argument("* GenerateContentRequest.contents: contents is not specified")
    parsed = ParsedRequest()
    index = 0
    for content in contents:
        parts = content.get("parts") if isinstance(content, dict) else None
        if not isinstance(parts, list) or not parts:
            raise invalid_argument("* GenerateContentRequest.contents: contents.parts must not be empty.")
        for part in parts:
            _parse_part(part, index, parsed)
            index += 1
    system = _get(body, "systemInstruction")
    if system is not None:
        system_parts = system.get("parts", []) if isinstance(system, dict) else []
        texts = [p.get("text", "") for p in system_parts if isinstance(p, dict) and "text" in p]
        parsed.system_instruction = "\n\n".join(texts) or None
    config = _get(body, "generationConfig")
    if config is not None and not isinstance(config, dict):
        raise invalid_argument("generationConfig must be an object.")
    parsed.config = config or {}
    return parsed


def _parse_part(part: Any, index: int, parsed: ParsedRequest) -> None:
    if not isinstance(part, dict):
        raise invalid_argument(f"contents.parts[{index}] must be an object.")
    if "text" in part:
        parsed.texts.append(str(part["text"]))
        return
    inline = _get(part, "inlineData")
    if isinstance(inline, dict):
        mime_type = str(_get(inline, "mimeType") or "").lower()
        parsed.media.append(MediaPart(index, mime_type, data=_b64decode(str(inline.get("data", "")), index)))
        return
    file_data = _get(part, "fileData")
    if isinstance(file_data, dict):
        uri = str(_get(file_data, "fileUri") or "").strip()
        mime_type = str(_get(file_data, "mimeType") or "").lower()
        match = _FILE_URI.fullmatch(uri)
        if match is not None:
            parsed.media.append(MediaPart(index, mime_type, file_id=match.group(1)))
        elif _EXTERNAL_URL.fullmatch(uri) and not _FILES_PATH.fullmatch(uri):
            parsed.media.append(MediaPart(index, mime_type, url=uri))
        else:
            raise invalid_argument(f"Invalid or unsupported file uri: {uri}")
        return
    kinds = ", ".join(sorted(part)) or "nothing"
    raise invalid_argument(
        f"contents.parts[{index}] has {kinds}; the emulator understands text, inlineData and fileData parts."
    )


def _b64decode(data: str, index: int) -> bytes:
    """Decode standard or URL-safe base64 (the SDK sends URL-safe), padding optional."""
    cleaned = data.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise invalid_argument(
            f"Invalid value at 'contents.parts[{index}].inline_data.data': invalid base64."
        ) from None
