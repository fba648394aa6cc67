"""OAuth resource-server mode: access tokens checked by the authorization server's introspection endpoint.

The MCP specification makes an HTTP server an OAuth 2.1 resource server: it validates access tokens, answers
401 with ``WWW-Authenticate: Bearer … resource_metadata="…"``, and publishes RFC 9728 protected-resource
metadata naming its authorization server. The SDK ships the middleware, the metadata route and the
``TokenVerifier`` protocol (the same in mcp 1.x and 2.x); this module supplies the verifier, using RFC 7662
token introspection, which works for opaque and JWT tokens alike without a JOSE dependency.

Decisions (and why):

* A token must have been issued for this server: its ``aud`` must name ``--resource-url`` (or a parent of it,
  RFC 8707). A token without an audience is refused: the specification forbids passing tokens through.
* ``iss``, when the answer has one, must be ``--oauth-issuer``.
* Answers are cached per token digest (active ones until they expire, at most a minute; refusals for
  10 seconds), so a session's calls do not each cost a round trip, and a flood of bad tokens does not become
  a flood of introspection requests.
* The introspection client's credentials come from the environment
  (``GEMINI_AUDIO_MCP_INTROSPECTION_CLIENT_ID`` / ``…_SECRET``), never from flags.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["CLIENT_ID_ENV", "CLIENT_SECRET_ENV", "IntrospectionVerifier", "OAuthConfig", "access_from_claims"]

CLIENT_ID_ENV = "GEMINI_AUDIO_MCP_INTROSPECTION_CLIENT_ID"
CLIENT_SECRET_ENV = "GEMINI_AUDIO_MCP_INTROSPECTION_CLIENT_SECRET"
_POSITIVE_TTL = 60.0
_NEGATIVE_TTL = 10.0
_CACHE_SIZE = 1024

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OAuthConfig:
    """Resource-server settings: who issues tokens, where to check them, what this server is called."""

    issuer: str
    introspection_url: str
    resource_url: str
    scopes: tuple[str, ...] = ()
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_flags(
        cls,
        issuer: str,
        introspection_url: str | None,
        resource_url: str | None,
        scopes: list[str] | None,
        env: Mapping[str, str],
    ) -> OAuthConfig:
        """Raises:
        ValueError: a missing --oauth-introspection-url or --resource-url (the message names the flag).
        """
        if not introspection_url:
            raise ValueError("--oauth-issuer needs --oauth-introspection-url (its RFC 7662 endpoint).")
        if not resource_url:
            raise ValueError(
                "--oauth-issuer needs --resource-url, the URL clients use for this server "
                "(e.g. https://audio.example.com/mcp): tokens must be issued for it."
            )
        return cls(
            issuer=issuer,
            introspection_url=introspection_url,
            resource_url=resource_url,
            scopes=tuple(scopes or ()),
            client_id=env.get(CLIENT_ID_ENV) or None,
            client_secret=env.get(CLIENT_SECRET_ENV) or None,
        )


def _same_issuer(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def access_from_claims(claims: Mapping[str, Any], config: OAuthConfig, now: float) -> Any:
    """An SDK ``AccessToken`` for an introspection answer, or None when it must be refused.

    Pure: the tests feed it answers directly. The token itself is not kept; ``token`` holds the identity.
    """
    from mcp.server.auth.provider import AccessToken
    from mcp.shared.auth_utils import check_resource_allowed

    if claims.get("active") is not True:
        return None
    expires = claims.get("exp")
    if isinstance(expires, (int, float)) and expires <= now:
        return None
    issuer = claims.get("iss")
    if issuer is not None and not _same_issuer(str(issuer), config.issuer):
        return None
    audiences = claims.get("aud")
    audience_list = [audiences] if isinstance(audiences, str) else list(audiences or [])
    resource = next(
        (str(a) for a in audience_list if check_resource_allowed(config.resource_url, str(a))), None
    )
    if resource is None:
        return None
    subject = claims.get("sub")
    client_id = str(claims.get("client_id") or subject or "oauth-client")
    identity = f"oauth:{subject or client_id}"
    scope = claims.get("scope")
    return AccessToken(
        token=identity,
        client_id=client_id,
        scopes=str(scope).split() if scope else [],
        expires_at=int(expires) if isinstance(expires, (int, float)) else None,
        resource=config.resource_url,
        subject=str(subject) if subject is not None else None,
        claims={"iss": issuer} if issuer is not None else None,
    )


class IntrospectionVerifier:
    """The SDK's ``TokenVerifier`` protocol, answered by RFC 7662 introspection (with a small cache)."""

    def __init__(
        self,
        config: OAuthConfig,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._client = client or httpx.AsyncClient(timeout=10.0)
        self._clock = clock
        self._cache: dict[bytes, tuple[float, Any]] = {}

    async def verify_token(self, token: str) -> Any:
        if not token:
            return None
        key = hashlib.sha256(token.encode()).digest()
        now = self._clock()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        access = access_from_claims(await self._introspect(token), self.config, now)
        until = now + _NEGATIVE_TTL
        if access is not None:
            until = min(now + _POSITIVE_TTL, access.expires_at or now + _POSITIVE_TTL)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
        self._cache[key] = (until, access)
        return access

    async def _introspect(self, token: str) -> Mapping[str, Any]:
        auth = None
        if self.config.client_id:
            auth = httpx.BasicAuth(self.config.client_id, self.config.client_secret or "")
        try:
            response = await self._client.post(
                self.config.introspection_url,
                data={"token": token, "token_type_hint": "access_token"},
                auth=auth or httpx.USE_CLIENT_DEFAULT,
            )
            if response.status_code != 200:
                log.warning("token introspection answered HTTP %s; refusing the token", response.status_code)
                return {}
            answer = response.json()
        except (httpx.HTTPError, ValueError) as err:
            log.warning("token introspection failed (%s); refusing the token", type(err).__name__)
            return {}
        return answer if isinstance(answer, dict) else {}
