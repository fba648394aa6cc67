"""Static bearer tokens: parsing, constant-time matching, identities, re-reading the token file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gemini_audio_tools.errors import InvalidArgumentError
from mcp_server.http_auth import (
    TOKEN_ENV,
    TOKEN_FILE_ENV,
    StaticTokenVerifier,
    TokenEntry,
    TokenSource,
    match_token,
    parse_tokens,
    token_identity,
)

TOKEN = "Zq3v8Kf1-team-token-0123456789"
OTHER = "Yp2u7Je0-other-token-987654321"


def one_char_off(token: str) -> str:
    return token[:-1] + ("x" if token[-1] != "x" else "y")


def test_a_token_matches_only_itself_not_one_differing_in_one_character() -> None:
    entries = [TokenEntry.of(TOKEN, "alice"), TokenEntry.of(OTHER)]
    assert match_token(TOKEN, entries) == entries[0]
    assert match_token(OTHER, entries) == entries[1]
    for wrong in (one_char_off(TOKEN), TOKEN[:-1], TOKEN + "0", "", TOKEN.upper()):
        assert match_token(wrong, entries) is None


def test_identities_are_names_or_short_hashes_never_the_token() -> None:
    assert TokenEntry.of(TOKEN, "alice").name == "alice"
    identity = token_identity(TOKEN)
    assert identity.startswith("token:") and len(identity) == len("token:") + 8
    assert TOKEN not in identity and identity != token_identity(one_char_off(TOKEN))


def test_token_files_hold_named_and_unnamed_tokens_and_comments() -> None:
    entries = parse_tokens(f"# the team\nalice {TOKEN}\n\n{OTHER}\n", "tokens")
    assert [e.name for e in entries] == ["alice", token_identity(OTHER)]


@pytest.mark.parametrize(
    ("text", "needle"), [("short-token", "shorter than 16"), (f"a b {TOKEN}", "NAME TOKEN")]
)
def test_weak_or_malformed_token_lines_are_refused_naming_the_line(text: str, needle: str) -> None:
    with pytest.raises(InvalidArgumentError, match=needle) as caught:
        parse_tokens(f"# ok\n{text}\n", "tokens.txt")
    assert "tokens.txt line 2" in str(caught.value)


def test_the_environment_token_is_accepted_and_a_weak_one_refused() -> None:
    assert match_token(TOKEN, TokenSource({TOKEN_ENV: TOKEN}).entries()) is not None
    with pytest.raises(InvalidArgumentError, match=TOKEN_ENV):
        TokenSource({TOKEN_ENV: "1234"})
    assert not TokenSource({}).enabled


def test_a_changed_token_file_is_read_again_so_tokens_rotate_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"old {TOKEN}\n")
    path.chmod(0o600)
    source = TokenSource({}, str(path))
    assert [e.name for e in source.entries()] == ["old"]
    path.write_text(f"old {TOKEN}\nnew {OTHER}\n")
    os.utime(path, (1, 1))
    assert [e.name for e in source.entries()] == ["old", "new"]
    path.write_text(f"new {OTHER}\n")
    os.utime(path, (2, 2))
    assert match_token(TOKEN, source.entries()) is None and match_token(OTHER, source.entries()) is not None


def test_a_token_file_broken_while_running_keeps_the_tokens_it_had(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"{TOKEN}\n")
    source = TokenSource({TOKEN_FILE_ENV: str(path)})
    path.write_text("half-written\n")
    os.utime(path, (3, 3))
    assert match_token(TOKEN, source.entries()) is not None


def test_a_missing_or_empty_token_file_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="cannot read"):
        TokenSource({}, str(tmp_path / "missing"))
    (tmp_path / "empty").write_text("# nothing yet\n")
    with pytest.raises(InvalidArgumentError, match="holds no token"):
        TokenSource({}, str(tmp_path / "empty"))


def test_a_token_file_others_can_read_gets_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"{TOKEN}\n")
    path.chmod(0o644)
    assert any("chmod 600" in w for w in TokenSource({}, str(path)).warnings)


async def test_the_verifier_answers_with_the_identity_and_keeps_no_token() -> None:
    verifier = StaticTokenVerifier(TokenSource({TOKEN_ENV: TOKEN}))
    access = await verifier.verify_token(TOKEN)
    assert access is not None and access.client_id == token_identity(TOKEN)
    assert TOKEN not in access.model_dump_json()
    assert await verifier.verify_token(one_char_off(TOKEN)) is None
    assert await verifier.verify_token("") is None
