"""Context caching for describe/ask, on the emulator through the real SDK: when a cache is made, reused,
refused, found gone or expired, and deleted with its file."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from gemini_audio_tools._ops._context_cache import (
    CACHE_TTL_SECONDS,
    EXPIRY_MARGIN_SECONDS,
    ask,
    records_for,
)
from gemini_audio_tools._ops._limits import Limits
from gemini_audio_tools._ops._source import select_audio
from gemini_audio_tools._ops.files import delete_audio_file, upload_audio
from gemini_audio_tools._ops.understanding import ask_about_audio, describe_audio, describe_with
from gemini_audio_tools.backend.client import Backend
from gemini_audio_tools.backend.model_choice import choose_model
from gemini_audio_tools.context import RunContext
from gemini_audio_tools.emulator.server import EmulatorServer
from gemini_audio_tools.schemas import (
    AskAboutAudioInput,
    DeleteAudioFileInput,
    DescribeAudioInput,
    UploadAudioInput,
)
from tests.fixtures.audio import MakeAudio

MODEL = "gemini-3-flash-preview"
"""Caches from 1,024 tokens (32 s of audio) in the catalogue and the emulator."""


@pytest.fixture
def tone(make_audio: MakeAudio, tmp_path: Path) -> Path:
    """40 s of tone: 1,280 audio tokens, over the model's minimum."""
    target = tmp_path / "tone.wav"
    shutil.copy(make_audio("wav", 40.0), target)
    return target


def _describe(audio: str | Path, cache: str = "auto", **more: str) -> DescribeAudioInput:
    return DescribeAudioInput.model_validate({"audio": str(audio), "model": MODEL, "cache": cache, **more})


def _caches(emulator: EmulatorServer) -> int:
    return len(emulator.state.caches.all())


async def test_off_never_caches_even_when_asked_again(
    tone: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    for _ in range(3):
        out = await describe_audio(_describe(tone, "off"), run_ctx)
        assert out.usage.cached_tokens == 0 and out.sent and out.sent.via == "inline"
    assert _caches(emulator) == 0


async def test_auto_caches_on_the_second_ask_and_reads_the_cache_after(
    tone: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    first = await describe_audio(_describe(tone), run_ctx)
    assert first.usage.cached_tokens == 0 and _caches(emulator) == 0

    second = await describe_audio(_describe(tone), run_ctx)
    assert _caches(emulator) == 1
    assert second.usage.cached_tokens > 1280  # the audio (40 s x 32) and the system instruction
    assert second.usage.prompt_tokens > second.usage.cached_tokens  # the prompt counts the cache, as the API
    assert any("cached" in n and "cachedContents/" in n for n in second.notes)
    assert second.sent and second.sent.via == "inline" and second.sent.bytes > 0  # sent once, into the cache

    third = await ask_about_audio(
        AskAboutAudioInput(audio=str(tone), question="Is there speech?", model=MODEL), run_ctx
    )
    assert _caches(emulator) == 1
    assert third.usage.cached_tokens == second.usage.cached_tokens
    assert third.sent and third.sent.via == "cache" and third.sent.bytes == 0
    assert any("read from the context cache" in n for n in third.notes)


async def test_on_caches_at_the_first_ask(tone: Path, run_ctx: RunContext, emulator: EmulatorServer) -> None:
    out = await describe_audio(_describe(tone, "on"), run_ctx)
    assert _caches(emulator) == 1 and out.usage.cached_tokens > 1280


async def test_audio_under_the_models_minimum_is_not_cached_and_on_says_why(
    make_audio: MakeAudio, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    short = make_audio("wav", 10.0)
    quiet = [await describe_audio(_describe(short), run_ctx) for _ in range(2)][-1]
    assert not any("cache" in n.lower() for n in quiet.notes)
    told = await describe_audio(_describe(short, "on"), run_ctx)
    assert any("Not cached" in n and "1,024" in n for n in told.notes)
    assert _caches(emulator) == 0 and told.usage.cached_tokens == 0


async def test_each_range_has_its_own_cache(
    tone: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    whole = await describe_audio(_describe(tone, "on"), run_ctx)
    part = await describe_audio(_describe(tone, "on", start="0:02", end="0:38"), run_ctx)
    assert _caches(emulator) == 2
    assert part.usage.cached_tokens < whole.usage.cached_tokens  # 36 s of audio, not 40
    again = await describe_audio(_describe(tone, "on", start="0:02", end="0:38"), run_ctx)
    assert _caches(emulator) == 2 and again.sent and again.sent.via == "cache"


async def test_a_cache_the_api_no_longer_has_is_forgotten_and_the_audio_sent_instead(
    tone: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    await describe_audio(_describe(tone, "on"), run_ctx)
    emulator.state.clock.advance(CACHE_TTL_SECONDS + 1)  # the API's cache expired; our clock disagrees

    out = await describe_audio(_describe(tone, "off"), run_ctx)  # off: the live record is not consulted
    assert out.usage.cached_tokens == 0
    out = await describe_audio(_describe(tone), run_ctx)
    assert out.text and out.usage.cached_tokens == 0 and out.sent and out.sent.via == "inline"
    assert any("was gone" in n for n in out.notes)
    assert records_for(Backend.from_settings(run_ctx.settings)).read(_only_key(run_ctx)).caches == ()


async def test_a_cache_is_not_used_once_its_expire_time_is_near_and_auto_makes_a_new_one(
    tone: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    now = [time.time()]
    records = records_for(backend)
    records.now = lambda: now[0]
    model = choose_model(MODEL, run_ctx.settings, "general")

    async def describe() -> tuple[str | None, int]:
        async with select_audio(str(tone), None, None, run_ctx) as selection:
            asked = await ask(
                backend, selection, "Describe this audio.", mode="auto", model=model, ctx=run_ctx,
                action="describing", records=records,
            )  # fmt: skip
        return asked.event, asked.generation.usage.cached_tokens

    assert await describe() == (None, 0)
    event, cached = await describe()
    assert event == "created" and cached > 0
    (made,) = records.read(_only_key(run_ctx)).caches
    now[0] = made.expires_at - EXPIRY_MARGIN_SECONDS + 1  # by the API's expireTime, about to expire
    event, cached = await describe()
    assert event == "created" and cached > 0  # a new cache, not the old one (still alive on the emulator)
    (remade,) = records.read(_only_key(run_ctx)).caches
    assert remade.name != made.name and _caches(emulator) == 2


async def test_deleting_an_uploaded_file_deletes_the_caches_made_from_it(
    tone: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    up = await upload_audio(UploadAudioInput(audio=str(tone)), run_ctx)
    out = await describe_audio(_describe(up.name, "on"), run_ctx)
    assert out.usage.cached_tokens > 0 and _caches(emulator) == 1
    other = await describe_audio(_describe(tone, "on", start="0:01"), run_ctx)  # inline clip: not the file's
    assert other.usage.cached_tokens > 0 and _caches(emulator) == 2

    deleted = await delete_audio_file(DeleteAudioFileInput(name=up.name), run_ctx)
    assert deleted.deleted and _caches(emulator) == 1


def _only_key(ctx: RunContext) -> str:
    (path,) = records_for(Backend.from_settings(ctx.settings)).folder.glob("*.json")
    return path.stem


async def test_a_cache_with_less_than_half_its_time_left_is_extended_by_the_api(
    tone: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    backend = Backend.from_settings(run_ctx.settings)
    now = [time.time()]
    records = records_for(backend)
    records.now = lambda: now[0]
    model = choose_model(MODEL, run_ctx.settings, "general")

    async def describe() -> str | None:
        async with select_audio(str(tone), None, None, run_ctx) as selection:
            asked = await ask(
                backend, selection, "Describe this audio.", mode="on", model=model, ctx=run_ctx,
                action="describing", records=records,
            )  # fmt: skip
        return asked.event

    assert await describe() == "created"
    (made,) = records.read(_only_key(run_ctx)).caches
    assert await describe() == "used"
    assert records.read(_only_key(run_ctx)).caches == (made,)  # plenty of time left: not touched
    now[0] = made.expires_at - CACHE_TTL_SECONDS / 2 + 1
    assert await describe() == "used"
    (extended,) = records.read(_only_key(run_ctx)).caches
    assert extended.name == made.name and extended.expires_at > made.expires_at
    (live,) = emulator.state.caches.all()
    assert live.expire_time.timestamp() == pytest.approx(extended.expires_at, abs=0.01)


async def test_a_cache_the_api_refuses_to_create_leaves_the_audio_in_the_request(
    tone: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    emulator.state.faults.error(400, "cachedContents.create", message="Caching is not available.")
    out = await describe_audio(_describe(tone, "on"), run_ctx)
    assert out.text and out.usage.cached_tokens == 0 and out.sent and out.sent.via == "inline"
    assert any("Could not cache the audio" in n and "sent with the request" in n for n in out.notes)
    again = await describe_audio(_describe(tone, "on"), run_ctx)  # the next question tries again
    assert again.usage.cached_tokens > 0 and _caches(emulator) == 1


async def test_long_audio_caches_each_chunk_and_sums_the_cached_tokens(
    make_audio: MakeAudio, tmp_path: Path, run_ctx: RunContext, emulator: EmulatorServer
) -> None:
    long_tone = tmp_path / "long.wav"
    shutil.copy(make_audio("wav", 90.0), long_tone)
    limits = Limits(other_chunk_seconds=45.0)
    first = await describe_with(_describe(long_tone, "on"), run_ctx, limits)
    assert len(first.chunks) == 2 and _caches(emulator) == 2
    assert "Context caches per part: 2 cached now." in first.notes
    second = await describe_with(_describe(long_tone, "on"), run_ctx, limits)
    assert "Context caches per part: 2 read from a cache." in second.notes
    assert second.usage.cached_tokens > 90 * 32  # both chunks' audio, read from their caches
    assert _caches(emulator) == 2
