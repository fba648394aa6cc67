"""Static bearer tokens for the HTTP server: where they come from, how they are checked, who they name.

A token comes from ``GEMINI_AUDIO_MCP_TOKEN`` or from a token file (``--auth-token-file`` /
``GEMINI_AUDIO_MCP_TOKEN_FILE``), never from the command line, where ``ps`` shows it. The file holds one token
per line, optionally named (``alice <token>``); ``#`` starts a comment. It is read again when it changes, so
a token is rotated by adding the new line, moving the clients, then deleting the old line, without a restart.

Decisions (and why):

* Only SHA-256 digests are kept, and a presented token is compared with every known digest through
  :func:`hmac.compare_digest` (equal lengths, no early exit), so timing says nothing about how close a guess
  was or which entry matched.
* A token's identity in logs and rate limits is its name, or ``token:`` and 8 hex digits of its digest:
  enough to tell tokens apart, useless for guessing one. The SDK's ``AccessToken.token`` carries that identity
  too, so the raw token is never stored in the request scope.
* Tokens shorter than 16 characters are refused at start-up: a bearer token is the only lock on the door.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gemini_audio_tools.errors import InvalidArgumentError

__all__ = [
    "MIN_TOKEN_LENGTH",
    "TOKEN_ENV",
    "TOKEN_FILE_ENV",
    "StaticTokenVerifier",
    "TokenEntry",
    "TokenSource",
    "match_token",
    "parse_tokens",
    "token_identity",
]

TOKEN_ENV = "GEMINI_AUDIO_MCP_TOKEN"
TOKEN_FILE_ENV = "GEMINI_AUDIO_MCP_TOKEN_FILE"
MIN_TOKEN_LENGTH = 16
_MAKE_ONE = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def token_identity(token: str) -> str:
    """A short, stable, non-secret name for ``token`` (``token:`` + 8 hex digits of its SHA-256)."""
    return "token:" + _digest(token).hex()[:8]


@dataclass(frozen=True)
class TokenEntry:
    """One accepted token: its digest and the identity logs and limits use."""

    name: str
    digest: bytes

    @classmethod
    def of(cls, token: str, name: str | None = None) -> TokenEntry:
        return cls(name or token_identity(token), _digest(token))


def parse_tokens(text: str, origin: str) -> list[TokenEntry]:
    """The tokens in a token file's ``text`` (``origin`` names the file in messages).

    Raises:
        InvalidArgumentError: a line with more than two fields, or a token shorter than 16 characters.
    """
    entries: list[TokenEntry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) > 2:
            raise InvalidArgumentError(f"{origin} line {number}: expected TOKEN or NAME TOKEN.")
        name, token = (None, fields[0]) if len(fields) == 1 else (fields[0], fields[1])
        _check_strength(token, f"{origin} line {number}")
        entries.append(TokenEntry.of(token, name))
    return entries


def _check_strength(token: str, where: str) -> None:
    if len(token) < MIN_TOKEN_LENGTH:
        raise InvalidArgumentError(
            f"{where}: the token is shorter than {MIN_TOKEN_LENGTH} characters, too easy to guess; "
            f"{_MAKE_ONE}."
        )


def match_token(presented: str, entries: Sequence[TokenEntry]) -> TokenEntry | None:
    """The entry whose token is ``presented``, compared in constant time against every entry."""
    digest = _digest(presented)
    found = None
    for entry in entries:
        if hmac.compare_digest(digest, entry.digest) and found is None:
            found = entry
    return found


class TokenSource:
    """The accepted tokens: the environment's, plus a token file's, re-read when the file changes.

    Raises (from the constructor):
        InvalidArgumentError: the file is missing, unreadable, empty, or holds a malformed or weak token;
            the environment's token is weak.
    """

    def __init__(self, env: Mapping[str, str] | None = None, token_file: str | None = None) -> None:
        env = os.environ if env is None else env
        self._fixed: list[TokenEntry] = []
        if env.get(TOKEN_ENV, "").strip():
            token = env[TOKEN_ENV].strip()
            _check_strength(token, TOKEN_ENV)
            self._fixed.append(TokenEntry.of(token))
        path = token_file or env.get(TOKEN_FILE_ENV) or None
        self.path = Path(path).expanduser() if path else None
        self._stamp: tuple[float, int] | None = None
        self._from_file: list[TokenEntry] = []
        self.warnings: list[str] = []
        if self.path is not None:
            self._reload(strict=True)
            if self.path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                self.warnings.append(f"{self.path} is readable by other users; chmod 600 it.")

    @property
    def enabled(self) -> bool:
        return bool(self._fixed) or self.path is not None

    def entries(self) -> list[TokenEntry]:
        """The tokens accepted now (the file is checked for changes on each call: one ``stat``)."""
        if self.path is not None:
            self._reload(strict=False)
        return self._fixed + self._from_file

    def _reload(self, strict: bool) -> None:
        assert self.path is not None
        try:
            info = self.path.stat()
            stamp = (info.st_mtime, info.st_size)
            if stamp == self._stamp:
                return
            entries = parse_tokens(self.path.read_text(encoding="utf-8"), str(self.path))
            if not entries:
                raise InvalidArgumentError(f"{self.path} holds no token; {_MAKE_ONE}.")
        except (OSError, UnicodeDecodeError) as err:
            if strict:
                message = f"--auth-token-file {self.path}: cannot read it ({err})."
                raise InvalidArgumentError(message) from None
            return  # a file being replaced: keep the tokens we had
        except InvalidArgumentError:
            if strict:
                raise
            return  # a half-edited file: keep the tokens we had until it is valid again
        self._stamp, self._from_file = stamp, entries


class StaticTokenVerifier:
    """The SDK's ``TokenVerifier`` protocol over a :class:`TokenSource`."""

    def __init__(self, source: TokenSource) -> None:
        self.source = source

    async def verify_token(self, token: str) -> Any:
        from mcp.server.auth.provider import AccessToken

        entry = match_token(token.strip(), self.source.entries())
        if entry is None:
            return None
        return AccessToken(token=entry.name, client_id=entry.name, scopes=[])
