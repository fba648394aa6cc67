"""OAuth resource-server mode: which introspection answers are accepted, the verifier's cache against a real
ASGI introspection endpoint, and the whole flow with a server subprocess and an authorization server on
loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mcp_server.http_oauth import IntrospectionVerifier, OAuthConfig, access_from_claims
from tests.mcp_server._client import free_port, http_session, wait_for_port, wire
from tests.mcp_server._http_server import INITIALIZE, MCP_HEADERS, NOISY_CALL, http_server

CONFIG = OAuthConfig(
    issuer="https://auth.example.com",
    introspection_url="https://auth.example.com/introspect",
    resource_url="https://audio.example.com/mcp",
    scopes=("audio",),
)
NOW = 1_800_000_000.0


def claims(**extra: Any) -> dict[str, Any]:
    base = {
        "active": True,
        "sub": "alice",
        "client_id": "claude-code",
        "scope": "audio read",
        "aud": "https://audio.example.com/mcp",
        "iss": "https://auth.example.com/",
        "exp": NOW + 600,
    }
    base.update(extra)
    return base


def test_an_active_token_for_this_resource_is_accepted_with_its_identity_and_scopes() -> None:
    access = access_from_claims(claims(), CONFIG, NOW)
    assert access is not None
    assert access.token == "oauth:alice" and access.client_id == "claude-code"
    assert access.scopes == ["audio", "read"] and access.resource == CONFIG.resource_url


def test_an_audience_list_or_a_parent_resource_is_accepted() -> None:
    assert access_from_claims(claims(aud=["other", "https://audio.example.com/mcp"]), CONFIG, NOW) is not None
    assert access_from_claims(claims(aud="https://audio.example.com"), CONFIG, NOW) is not None


@pytest.mark.parametrize(
    "bad",
    [
        {"active": False},
        {"exp": NOW - 1},
        {"iss": "https://evil.example.com"},
        {"aud": "https://other.example.com/mcp"},
        {"aud": None},
    ],
)
def test_inactive_expired_foreign_or_audience_less_tokens_are_refused(bad: dict[str, Any]) -> None:
    assert access_from_claims(claims(**bad), CONFIG, NOW) is None


def test_oauth_flags_missing_their_partners_are_refused_naming_them() -> None:
    with pytest.raises(ValueError, match="--oauth-introspection-url"):
        OAuthConfig.from_flags("https://a", None, "https://r/mcp", None, {})
    with pytest.raises(ValueError, match="--resource-url"):
        OAuthConfig.from_flags("https://a", "https://a/introspect", None, None, {})


def introspection_server(answers: dict[str, dict[str, Any]], seen: list[dict[str, Any]]) -> Starlette:
    async def introspect(request: Request) -> JSONResponse:
        form = await request.form()
        seen.append({"form": dict(form), "authorization": request.headers.get("authorization")})
        return JSONResponse(answers.get(str(form["token"]), {"active": False}))

    return Starlette(routes=[Route("/introspect", introspect, methods=["POST"])])


async def test_the_verifier_asks_once_per_token_and_sends_its_client_credentials() -> None:
    seen: list[dict[str, Any]] = []
    app = introspection_server({"good-token": claims(exp=None)}, seen)
    config = OAuthConfig(**{**CONFIG.__dict__, "client_id": "rs", "client_secret": "rs-secret"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        verifier = IntrospectionVerifier(config, client, clock=lambda: NOW)
        first = await verifier.verify_token("good-token")
        second = await verifier.verify_token("good-token")
        refused = [await verifier.verify_token("bad-token") for _ in range(3)]
    assert first is not None and second == first
    assert refused == [None, None, None]
    assert [s["form"]["token"] for s in seen] == ["good-token", "bad-token"]
    assert seen[0]["authorization"].startswith("Basic ")
    assert "good-token" not in first.model_dump_json()


async def test_an_unreachable_or_broken_introspection_endpoint_refuses_the_token() -> None:
    async def broken(request: Request) -> JSONResponse:
        return JSONResponse({"error": "oops"}, status_code=500)

    app = Starlette(routes=[Route("/introspect", broken, methods=["POST"])])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        assert await IntrospectionVerifier(CONFIG, client).verify_token("any") is None


@contextmanager
def authorization_server(answers: dict[str, dict[str, Any]]) -> Iterator[str]:
    """A real introspection endpoint on loopback (uvicorn in a thread); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(introspection_server(answers, []), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


async def test_oauth_mode_publishes_metadata_answers_401_with_it_and_serves_tokens_issued_for_it(
    tmp_path: Path,
) -> None:
    good, foreign = "oauth-good-token-0123456789", "oauth-foreign-token-0123456789"
    port = free_port()
    resource = f"http://127.0.0.1:{port}/mcp"
    answers: dict[str, dict[str, Any]] = {}
    with authorization_server(answers) as issuer:
        answers[good] = claims(aud=resource, iss=issuer, exp=None)
        answers[foreign] = claims(aud="http://127.0.0.1:1/mcp", iss=issuer, exp=None)
        flags = ["--oauth-issuer", issuer, "--oauth-introspection-url", f"{issuer}/introspect"]
        flags += ["--resource-url", resource, "--oauth-scope", "audio"]
        with http_server(tmp_path, *flags, port=port) as server:
            async with httpx.AsyncClient() as client:
                well_known = f"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp"
                metadata = (await client.get(well_known)).json()
                anonymous = await client.post(server.url, json=INITIALIZE, headers=MCP_HEADERS)
                wrong_audience = await client.post(
                    server.url, json=INITIALIZE, headers=dict(MCP_HEADERS, Authorization=f"Bearer {foreign}")
                )
            async with http_session(server.url, {"Authorization": f"Bearer {good}"}) as session:
                result = wire(await session.call_tool(NOISY_CALL["name"], NOISY_CALL["arguments"]))
    assert metadata["resource"] == resource and metadata["authorization_servers"] == [issuer + "/"]
    assert metadata["scopes_supported"] == ["audio"]
    assert anonymous.status_code == 401 and wrong_audience.status_code == 401
    challenge = anonymous.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and f'resource_metadata="{well_known}"' in challenge
    assert result["isError"] is False and server.tool_runs() == 1
    calls = [line for line in server.access_lines() if line["event"] == "tool_call"]
    assert [c["caller"] for c in calls] == ["oauth:alice"]
    assert good not in server.access.read_text() + server.stderr.read_text()
