"""List pages: newest first, capped sizes, tokens that survive changes between calls."""

from __future__ import annotations

import pytest

from gemini_audio_tools.emulator.errors import ApiError
from gemini_audio_tools.emulator.paging import page, page_size_param
from gemini_audio_tools.emulator.settings import EmulatorSettings


def test_pages_run_newest_first_and_a_token_resumes_after_the_last_item() -> None:
    settings = EmulatorSettings(default_page_size=2)
    items = [1, 2, 3, 4, 5]

    first, token = page(items, int, None, None, settings)
    assert first == [5, 4] and token
    second, token = page([*items, 6], int, None, token, settings)  # 6 arrived meanwhile: not repeated
    assert second == [3, 2] and token
    assert page(items, int, None, token, settings) == ([1], None)


def test_page_size_is_capped_and_checked() -> None:
    settings = EmulatorSettings(max_page_size=3)
    assert page(list(range(10)), int, 50, None, settings)[0] == [9, 8, 7]
    assert page_size_param("4") == 4 and page_size_param(None) is None
    for bad in ("x", "-1"):
        with pytest.raises(ApiError):
            page_size_param(bad)
    with pytest.raises(ApiError, match="nextPageToken"):
        page([1], int, None, "garbage", settings)
