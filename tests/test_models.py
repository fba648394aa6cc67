"""The model catalogue: lookups, lifecycle, replacements and limits."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from gemini_audio_tools import models
from gemini_audio_tools.models import ModelStatus, ThinkingControl


def test_every_replacement_and_alias_target_is_a_catalogued_id() -> None:
    ids = {m.id for m in models.CATALOGUE}
    assert len(ids) == len(models.CATALOGUE), "an id is listed twice"
    for info in models.CATALOGUE:
        live = info.status in (ModelStatus.STABLE, ModelStatus.PREVIEW)
        assert (info.replacement is None) == live, info.id
        assert info.replacement is None or info.replacement in ids, info.id
    for alias, target in models.ALIASES.items():
        assert alias not in ids and target in ids
        assert models.lookup(target) in models.current_models(), alias


def test_every_model_that_answers_can_reach_a_current_model() -> None:
    for info in models.CATALOGUE:
        if info.answers:
            served = models.serving_model(info.id)
            assert served is not None and models.lookup(served) in models.current_models(), info.id


def test_lookup_accepts_the_resource_prefix_and_blanks_and_resolves_aliases() -> None:
    assert models.lookup(" models/gemini-3.8-flash ") == models.lookup("gemini-3.8-flash")
    assert models.lookup("models/gemini-flash-latest") == models.lookup(models.ALIASES["gemini-flash-latest"])
    assert models.is_alias("models/gemini-flash-latest") and not models.is_alias("gemini-3.8-flash")


def test_an_unknown_id_is_not_assumed_to_exist() -> None:
    assert models.lookup("gemini-2.5-flsh") is None
    assert models.serving_model("gemini-2.5-flsh") is None
    assert models.replacement_for("gemini-2.5-flsh") is None


@pytest.mark.parametrize(
    ("model", "served"),
    [
        ("gemini-3.8-flash", "gemini-3.8-flash"),
        ("gemini-3.7-flash", "gemini-3.8-flash"),
        ("models/gemini-3.5-flash", "gemini-3.6-flash"),
        ("gemini-2.5-flash", "gemini-3.5-flash-lite"),
        ("gemini-flash-latest", "gemini-3.8-flash"),
        ("gemini-2.0-flash", None),
        ("gemini-3-pro-preview", None),
    ],
)
def test_serving_model_says_who_answers_or_none_for_a_refused_id(model: str, served: str | None) -> None:
    assert models.serving_model(model) == served


@pytest.mark.parametrize(
    ("model", "replacement"),
    [
        ("gemini-3.7-flash", "gemini-3.8-flash"),
        ("gemini-2.0-flash", "gemini-3.6-flash"),  # documented: 3.5 Flash, itself routed to 3.6 since October
        ("gemini-1.5-flash", "gemini-3.5-flash-lite"),  # 2.5 Flash, routed to 3.5 Flash-Lite
        ("gemini-3.1-flash-lite-preview", "gemini-3.1-flash-lite"),
        ("gemini-3.8-flash", None),
        ("gemini-flash-latest", None),
    ],
)
def test_replacement_for_follows_the_chain_to_a_model_that_answers_as_itself(
    model: str, replacement: str | None
) -> None:
    assert models.replacement_for(model) == replacement


def test_suggest_offers_the_nearest_current_id_for_a_typo_and_nothing_for_nonsense() -> None:
    assert models.suggest("gemini-3.8-flsh") == "gemini-3.8-flash"
    assert models.suggest("models/gemini-flash-lates") == "gemini-flash-latest"
    assert models.suggest("whisper-large-v3") is None


def test_the_transcription_model_has_a_lower_limit_with_timestamps_or_speakers() -> None:
    info = models.lookup(models.DEFAULT_TRANSCRIBE_MODEL)
    assert info is not None and info.native_transcription and info.thinking is ThinkingControl.NONE
    assert models.audio_seconds_limit(models.DEFAULT_TRANSCRIBE_MODEL) == 3600
    assert models.audio_seconds_limit(models.DEFAULT_TRANSCRIBE_MODEL, timestamps_or_speakers=True) == 1800


def test_general_models_take_nine_and_a_half_hours_and_routed_ids_report_their_servers_limit() -> None:
    assert models.audio_seconds_limit("gemini-3.8-flash", timestamps_or_speakers=True) == 9.5 * 3600
    routed, served = "gemini-2.5-flash", "gemini-3.5-flash-lite"
    assert models.audio_seconds_limit(routed) == models.audio_seconds_limit(served)
    assert models.audio_seconds_limit("gemini-2.0-flash") is None
    assert models.audio_seconds_limit("no-such-model") is None


def test_thinking_controls_follow_the_sdks_two_fields() -> None:
    flash_25, flash_38 = models.lookup("gemini-2.5-flash"), models.lookup("gemini-3.8-flash")
    assert flash_25 is not None and flash_25.thinking is ThinkingControl.BUDGET
    assert flash_38 is not None and flash_38.thinking is ThinkingControl.LEVEL
    assert "minimal" not in flash_38.thinking_levels  # documented: MINIMAL is refused by 3.7 / 3.8 Flash
    assert flash_38.default_thinking_level in flash_38.thinking_levels


def test_the_defaults_are_current_audio_models() -> None:
    general = models.lookup(models.DEFAULT_GENERAL_MODEL)
    fallback = models.lookup(models.FALLBACK_GENERAL_MODEL)
    assert models.is_alias(models.DEFAULT_GENERAL_MODEL)
    assert general is not None and general.takes_audio and general in models.current_models()
    assert fallback is not None and fallback.family == "flash" and fallback in models.current_models()
    assert models.lookup(models.DEFAULT_TRANSCRIBE_MODEL) in models.current_models(audio=True)


def test_retired_ids_do_not_answer_and_carry_no_limits() -> None:
    for info in models.CATALOGUE:
        if info.status is ModelStatus.RETIRED:
            assert not info.answers and info.audio_seconds is None and info.changed_on, info.id


def test_the_module_imports_only_the_standard_library() -> None:
    """The MCP server imports the library at start-up: the catalogue must cost nothing to import."""
    tree = ast.parse(Path(models.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert {name.split(".")[0] for name in imported} <= set(sys.stdlib_module_names) | {"__future__"}
