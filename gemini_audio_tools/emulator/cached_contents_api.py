"""``cachedContents``: create, get, list, update (expiry only) and delete, as google-genai's ``caches.py``
sends them for the Gemini Developer API.

Wire format (SDK 3.6.1): ``POST /{v}/cachedContents`` with ``{"model": "models/…", "contents",
"systemInstruction", "ttl": "300s" | "expireTime", "displayName"}``; ``GET``/``PATCH``/``DELETE
/{v}/cachedContents/{id}`` (``PATCH`` carries ``ttl`` or ``expireTime``, an ``updateMask`` query is optional);
``GET /{v}/cachedContents`` answers ``{"cachedContents": [...], "nextPageToken"}``. The resource never echoes
the cached contents.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import catalog
from .cached_contents import CachedPrefix
from .catalog import Resolved
from .contents import parse_request
from .errors import invalid_argument, model_not_found
from .json_values import parse_duration, parse_timestamp, pick, read_json_object
from .model_types import AudioInput, AudioTokenCount
from .models_api import ModelsApi
from .paging import page_size_param
from .state import EmulatorState

_EXPIRY_FIELDS = frozenset({"ttl", "expireTime", "expire_time"})


class CachedContentsApi:
    def __init__(self, state: EmulatorState, models: ModelsApi) -> None:
        self.state = state
        self.models = models

    async def create(self, request: Request) -> Response:
        settings = self.state.settings
        body = await read_json_object(request, settings.max_inline_request_bytes)
        raw_model = body.get("model")
        if not isinstance(raw_model, str) or not raw_model.strip():
            raise invalid_argument("CachedContent.model is required, e.g. 'models/gemini-flash-latest'.")
        resolved = catalog.resolve(settings, raw_model)
        if resolved is None:
            model = raw_model.strip().removeprefix("models/")
            raise model_not_found(model, request.path_params["version"], "createCachedContent")
        now = self.state.clock.now()
        expire_time = _expiry(body, now) or now + timedelta(seconds=settings.cache_default_ttl_seconds)
        store = self.state.caches
        cache_id, folder = store.reserve()
        try:
            prefix = await self._prefix(body, folder)
            _check_size(prefix.total_tokens, self._min_tokens(resolved), resolved.serving.input_token_limit)
            display_name = pick(body, "displayName", "display_name")
            record = store.add(
                cache_id,
                model=resolved.requested,
                display_name=str(display_name) if display_name else None,
                expire_time=expire_time,
                prefix=prefix,
                now=now,
            )
        except BaseException:
            store.release(cache_id)
            raise
        return JSONResponse(record.to_json())

    def _min_tokens(self, resolved: Resolved) -> int:
        """The smallest cache the model takes: a test's override, else the catalogue's ``min_cache_tokens``
        (of the model that answers, else of the id requested), else the guide's largest value."""
        settings = self.state.settings
        for model_id in (resolved.requested, resolved.serving.id):
            if model_id in settings.cache_min_tokens:
                return settings.cache_min_tokens[model_id]
        documented = resolved.serving.min_cache_tokens or resolved.info.min_cache_tokens
        return documented or settings.cache_min_tokens_default

    async def _prefix(self, body: dict[str, Any], folder: Path) -> CachedPrefix:
        """Resolve and count what the cache will hold, keeping its own copy of every audio part.

        Raises:
            ApiError: a malformed part, unknown or inactive file, undecodable audio, or nothing to cache.
        """
        has_contents = bool(body.get("contents"))
        # parse_request needs contents; a cache may hold a system instruction alone.
        parsed = parse_request(body if has_contents else {**body, "contents": [{"parts": [{"text": ""}]}]})
        texts = parsed.texts if has_contents else []
        if not has_contents and not parsed.system_instruction:
            raise invalid_argument("A CachedContent needs contents or a systemInstruction to cache.")
        audio: list[AudioInput] = []
        counts: list[AudioTokenCount] = []
        for index, part in enumerate(parsed.media):
            clip, count = await self.models.resolve_media(part)
            audio.append(await anyio.to_thread.run_sync(self.state.caches.keep, folder, index, clip))
            counts.append(count)
        text = "\n\n".join(t for t in (parsed.system_instruction, *texts) if t)
        tokens = await anyio.to_thread.run_sync(self.state.model.count_text_tokens, text) if text else 0
        return CachedPrefix(tuple(audio), tuple(counts), tuple(texts), parsed.system_instruction, tokens)

    async def get(self, request: Request) -> Response:
        return JSONResponse(self.state.caches.get(request.path_params["cache_id"]).to_json())

    async def update(self, request: Request) -> Response:
        body = await read_json_object(request, self.state.settings.max_inline_request_bytes)
        mask = request.query_params.get("updateMask") or request.query_params.get("update_mask")
        fields = {f.strip() for f in mask.split(",") if f.strip()} if mask else None
        sent = set(body) - {"name"}
        refused = (fields - _EXPIRY_FIELDS) if fields is not None else (sent - _EXPIRY_FIELDS)
        if refused:
            named = ", ".join(sorted(refused))
            raise invalid_argument(
                f"Only the expiration (ttl or expireTime) of a CachedContent can be updated, not: {named}."
            )
        chosen = {k: v for k, v in body.items() if k in _EXPIRY_FIELDS and (fields is None or k in fields)}
        now = self.state.clock.now()
        expire_time = _expiry(chosen, now)
        if expire_time is None:
            raise invalid_argument('Send the new expiration as ttl (e.g. "3600s") or expireTime.')
        record = self.state.caches.set_expiry(request.path_params["cache_id"], expire_time, now)
        return JSONResponse(record.to_json())

    async def delete(self, request: Request) -> Response:
        self.state.caches.delete(request.path_params["cache_id"])
        return JSONResponse({})

    async def list(self, request: Request) -> Response:
        params = request.query_params
        size = page_size_param(params.get("pageSize") or params.get("page_size"))
        records, token = self.state.caches.page(size, params.get("pageToken") or params.get("page_token"))
        body: dict[str, object] = {}
        if records:
            body["cachedContents"] = [r.to_json() for r in records]
        if token:
            body["nextPageToken"] = token
        return JSONResponse(body)


def _expiry(body: dict[str, Any], now: datetime) -> datetime | None:
    """The expiry ``body`` asks for (``ttl`` or ``expireTime``, not both); ``None`` when it names neither.

    Raises:
        ApiError: 400 for both fields, a malformed value, or an expiry not in the future.
    """
    ttl = body.get("ttl")
    expire = pick(body, "expireTime", "expire_time")
    if ttl is not None and expire is not None:
        raise invalid_argument(
            "Invalid value at 'cached_content' (oneof), oneof field 'expiration' is already set. "
            "Cannot set 'expireTime'; send either ttl or expireTime."
        )
    if ttl is not None:
        return now + timedelta(seconds=parse_duration(ttl, "cached_content.ttl"))
    if expire is None:
        return None
    when = parse_timestamp(expire, "cached_content.expire_time")
    if when <= now:
        raise invalid_argument(f"expireTime {expire} is not in the future.")
    return when


def _check_size(total: int, minimum: int, limit: int | None) -> None:
    """Raises: ApiError: 400 with the API's wording when the cache holds too few (or too many) tokens."""
    if total < minimum:
        raise invalid_argument(
            f"Cached content is too small. total_token_count={total}, min_total_token_count={minimum}"
        )
    if limit is not None and total > limit:
        raise invalid_argument(
            f"Cached content is too large. total_token_count={total}, max_total_token_count={limit}"
        )
