"""Context caching for describe and ask: when audio goes into a cache, and how a cache is used safely.

An agent asking ten questions about one long recording sends (and pays for) its audio ten times. A context
cache holds the audio once; a request naming it bills those tokens at the cached rate (a tenth of the input
price on current models), plus storage for as long as the cache lives (docs/batch_and_caching.md has the
prices and what they add up to). Decisions (and why):

* ``off`` never caches. ``on`` caches at once. ``auto`` (the default) caches audio asked about a second time
  within the TTL: a single question pays nothing extra, and a recording asked about twice is likely to be
  asked about again.
* Only audio above the model's minimum is cached (the catalogue's ``min_cache_tokens``, else 4,096 tokens,
  the largest documented); ``on`` says when it is too short, ``auto`` stays quiet.
* A cache is keyed by what it holds, as uploads are: the user's file hash and the encoding (profile, range,
  track), or a Files API name (the model hears that file whole, whatever the range). And by model: the API
  refuses a cache made for another. It holds the system instruction, which the API refuses beside a cache.
* Its TTL is :data:`CACHE_TTL_SECONDS` after the last use, not the API's default hour: storage is billed
  per token-hour, and an idle hour of a cache costs about what sending its audio once more would on Flash.
  The expiry is pushed back when less than half of it is left.
* A cache is never used past its recorded expiry (less a margin for the request's own time); one found gone
  when used (deleted elsewhere, or the clocks disagree) is forgotten and the audio sent instead, and the
  notes say so. The next ask makes a new cache as the mode says.
* Long audio (map-reduce): each chunk is its own cache, because each request carries one chunk's audio; the
  text-only combining request is never cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections import Counter
from dataclasses import dataclass, replace
from typing import Literal

from .. import models
from ..backend.cache import account_key
from ..backend.cached_contents import create_cache, delete_cache, update_cache_ttl
from ..backend.client import Backend
from ..backend.generate import Generation, generate
from ..backend.model_choice import ModelChoice
from ..backend.prompts import SYSTEM_INSTRUCTION
from ..backend.retry import Attempts
from ..context import RunContext
from ..errors import CachedContentNotFoundError, GeminiAudioError
from ..hashing import sha256_of_user_file
from ..schemas import CacheMode, Sent
from ..timecode import format_timecode
from ..tokens import estimate_audio_tokens, estimate_text_tokens
from ._cache_records import AudioRecord, CacheRecords, LiveCache
from ._source import RemoteAudio, Selection
from ._wire import Prepared, encoding_of, prepare

Mode = CacheMode
Event = Literal["created", "used", "expired", "gone", "failed", "too short"]

CACHE_TTL_SECONDS = 600.0
"""How long a cache lives after its last use."""
EXPIRY_MARGIN_SECONDS = 60.0
"""A cache this close to its expiry is not used as it is: the request could outlive it."""
UNKNOWN_MIN_TOKENS = 4096
"""Minimum cache size assumed for a model the catalogue has none for (the largest documented one)."""
_LOCK_SECONDS = 300.0
"""How long to wait for another process creating the same cache before going ahead without it."""


@dataclass(frozen=True)
class Asked:
    """One answer, what was sent for it, and what happened with the cache (None: nothing to report)."""

    generation: Generation
    sent: Sent
    event: Event | None = None
    note: str | None = None


def records_for(backend: Backend) -> CacheRecords:
    settings = backend.settings
    return CacheRecords(settings.cache_dir, account_key(settings.base_url, settings.api_key))


def min_cache_tokens(model: ModelChoice) -> int:
    """The smallest cache the model that answers for ``model`` takes."""
    serving = models.lookup(models.serving_model(model.id) or model.id)
    for info in (serving, model.info):
        if info is not None and info.min_cache_tokens:
            return info.min_cache_tokens
    return UNKNOWN_MIN_TOKENS


def cached_size(selection: Selection) -> int:
    """About how many tokens a cache of ``selection``'s audio holds (a remote file is cached whole)."""
    source = selection.source
    if isinstance(source, RemoteAudio):
        audio = source.counted_tokens or estimate_audio_tokens(source.duration_seconds)
    else:
        audio = estimate_audio_tokens(selection.span.seconds)
    return audio + estimate_text_tokens(SYSTEM_INSTRUCTION)


async def audio_key(selection: Selection, ctx: RunContext) -> str:
    """What a cache of ``selection`` holds, as a hex key: the file's hash and the encoding sent, or the
    Files API name."""
    source = selection.source
    if isinstance(source, RemoteAudio):
        what = f"file {source.name}"
    else:
        digest = await asyncio.to_thread(sha256_of_user_file, source.path)
        encoding = encoding_of(source, selection.span, ctx.settings.wire_format)
        what = f"local {digest} {encoding or 'as is'}"
    return hashlib.sha256(what.encode()).hexdigest()


async def ask(
    backend: Backend,
    selection: Selection,
    prompt: str,
    *,
    mode: Mode,
    model: ModelChoice,
    ctx: RunContext,
    action: str,
    attempts: Attempts | None = None,
    max_output_tokens: int | None = None,
    records: CacheRecords | None = None,
) -> Asked:
    """Answer ``prompt`` about ``selection``: from a live cache, a new one when ``mode`` says so, or with the
    audio in the request.

    Raises:
        GeminiAudioError: encoding, uploading or the request failed (a cache failing is not an error: the
            audio is then sent with the request).
    """

    async def plain(prepared: Prepared) -> Generation:
        return await generate(
            backend,
            prompt,
            model=model,
            audio=prepared.part,
            action=action,
            attempts=attempts,
            file_name=prepared.file_name,
            max_output_tokens=max_output_tokens,
        )

    async with contextlib.AsyncExitStack() as stack:
        if mode == "off":
            prepared = await stack.enter_async_context(prepare(backend, selection, prompt=prompt, ctx=ctx))
            return Asked(await plain(prepared), prepared.sent)
        records = records or records_for(backend)
        key = await audio_key(selection, ctx)
        async with records.lock(key, timeout=_LOCK_SECONDS):
            record = records.read(key)
            decision = await _decide(backend, record, selection, mode, model, records.now())
            if decision.create:
                prepared = await stack.enter_async_context(
                    prepare(backend, selection, prompt=prompt, ctx=ctx)
                )
                decision = await _create(backend, decision, prepared, selection, model, records.now())
            records.write(decision.record)
        live = decision.live
        if live is not None:
            try:
                answer = await generate(
                    backend,
                    prompt,
                    model=model,
                    action=action,
                    attempts=attempts,
                    max_output_tokens=max_output_tokens,
                    cached_content=live.name,
                )
            except CachedContentNotFoundError:
                await forget(records, key, live.name)
                decision = replace(decision, event="gone", note=_gone_note(live))
            else:
                sent = decision.sent or Sent(format=live.mime_type, bytes=0, via="cache", reused=True)
                return Asked(answer, sent, decision.event or "used", decision.note or _used_note(live))
        if decision.prepared is None:
            prepared = await stack.enter_async_context(prepare(backend, selection, prompt=prompt, ctx=ctx))
        else:
            prepared = decision.prepared
        return Asked(await plain(prepared), prepared.sent, decision.event, decision.note)
    raise AssertionError("unreachable")  # pragma: no cover - every branch returns inside the stack


@dataclass(frozen=True)
class _Decision:
    record: AudioRecord
    live: LiveCache | None = None
    create: bool = False
    event: Event | None = None
    note: str | None = None
    prepared: Prepared | None = None
    sent: Sent | None = None


async def _decide(
    backend: Backend, record: AudioRecord, selection: Selection, mode: Mode, model: ModelChoice, now: float
) -> _Decision:
    """Use the live cache (extending it when half its time is gone), or decide whether to make one."""
    asked_before = record.asked_since(now - CACHE_TTL_SECONDS)
    record = record.with_ask(now, now - CACHE_TTL_SECONDS)
    live = record.cache_for(model.id)
    event: Event | None = None
    if live is not None and live.expires_at - EXPIRY_MARGIN_SECONDS <= now:
        record, live, event = record.without_cache(live.name), None, "expired"
    if live is not None and live.expires_at - now < CACHE_TTL_SECONDS / 2:
        try:
            updated = await update_cache_ttl(backend, live.name, CACHE_TTL_SECONDS)
        except CachedContentNotFoundError:
            record, live, event = record.without_cache(live.name), None, "gone"
        except GeminiAudioError:
            pass  # still more than the margin left: use it as it is
        else:
            expires = updated.expire_time.timestamp() if updated.expire_time else now + CACHE_TTL_SECONDS
            live = replace(live, expires_at=expires)
            record = record.with_cache(live)
    if live is not None:
        return _Decision(record, live)
    wanted = mode == "on" or (mode == "auto" and asked_before)
    size, minimum = cached_size(selection), min_cache_tokens(model)
    if wanted and size < minimum:
        note = None
        if mode == "on":
            note = (
                f"Not cached: about {size:,} tokens of audio, and {model.id} caches at least {minimum:,} "
                f"(about {format_timecode(minimum / 32)} of audio)."
            )
        return _Decision(record, event="too short" if mode == "on" else event, note=note)
    if event is not None and not wanted:
        note = "The context cache of this audio had expired; the audio was sent with the request."
        return _Decision(record, event=event, note=note)
    return _Decision(record, create=wanted, event=event)


async def _create(
    backend: Backend,
    decision: _Decision,
    prepared: Prepared,
    selection: Selection,
    model: ModelChoice,
    now: float,
) -> _Decision:
    """Put ``prepared`` into a new cache; on failure, the audio goes with the request (``prepared`` kept)."""
    label = f"{selection.source.name} [{selection.span.label}]"
    try:
        made = await create_cache(
            backend,
            [prepared.part],
            ttl_seconds=CACHE_TTL_SECONDS,
            model=model.id,
            system_instruction=SYSTEM_INSTRUCTION,
            display_name=f"gemini-audio-tools {label}"[:128],
        )
    except GeminiAudioError as err:
        note = f"Could not cache the audio ({err}); it was sent with the request."
        return replace(decision, create=False, event="failed", note=note, prepared=prepared)
    tokens = made.usage_metadata.total_token_count if made.usage_metadata else None
    live = LiveCache(
        name=made.name or "",
        model=model.id,
        expires_at=made.expire_time.timestamp() if made.expire_time else now + CACHE_TTL_SECONDS,
        tokens=tokens or cached_size(selection),
        mime_type=prepared.sent.format,
        file_name=prepared.file_name,
    )
    again = " again" if decision.event in ("expired", "gone") else ""
    note = (
        f"The audio was cached{again} as {live.name} ({live.tokens:,} tokens) until "
        f"{int(CACHE_TTL_SECONDS // 60)} min after its last use: questions about it bill those tokens at "
        "the cached rate."
    )
    return replace(
        decision,
        record=decision.record.with_cache(live),
        live=live,
        create=False,
        event="created",
        note=note,
        prepared=prepared,
        sent=prepared.sent,
    )


async def forget(records: CacheRecords, key: str, name: str) -> None:
    """Drop the cache ``name`` from the record of ``key`` (it is gone)."""
    async with records.lock(key, timeout=_LOCK_SECONDS):
        records.write(records.read(key).without_cache(name))


async def delete_caches_of(backend: Backend, file_name: str) -> int:
    """Delete the caches made from the Files API file ``file_name`` (its audio should go with it); returns
    how many were deleted. Best effort: a cache already gone counts as deleted, other failures are left to
    expire on their own.

    Raises:
        Nothing: the file itself is already deleted when this runs.
    """
    records = records_for(backend)
    deleted = 0
    for record in list(records.holding(file_name)):
        for cache in [c for c in record.caches if c.file_name == file_name]:
            try:
                await delete_cache(backend, cache.name)
            except CachedContentNotFoundError:
                pass  # already gone: nothing left to delete
            except GeminiAudioError:
                continue  # it expires on its own within the TTL
            deleted += 1
            await forget(records, record.key, cache.name)
    return deleted


_EVENT_WORDS: dict[Event, str] = {
    "created": "cached now",
    "used": "read from a cache",
    "expired": "sent with the request (cache expired)",
    "gone": "sent with the request (cache gone)",
    "failed": "could not be cached",
    "too short": "too short to cache",
}


def cache_summary(events: list[Event | None]) -> str | None:
    """One note for the caches of a long recording's parts, e.g. "Context caches per part: 3 read from a
    cache, 2 cached now." (None when nothing happened)."""
    counts = Counter(e for e in events if e is not None)
    if not counts:
        return None
    return "Context caches per part: " + ", ".join(f"{n} {_EVENT_WORDS[e]}" for e, n in counts.items()) + "."


def _used_note(live: LiveCache) -> str:
    return f"The audio was read from the context cache {live.name} ({live.tokens:,} tokens)."


def _gone_note(live: LiveCache) -> str:
    return (
        f"The context cache {live.name} was gone (expired or deleted elsewhere); the audio was sent with the "
        "request instead."
    )
