"""JSONL parts within the limits, always the same bytes for the same requests, and replies read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gemini_audio_tools.batch.jsonl import BatchLimits, encode_line, read_replies, split_parts, write_part


def _lines(n: int, size: int = 10) -> list[tuple[str, dict[str, object]]]:
    return [(f"k{i}", {"contents": [{"parts": [{"text": "x" * size}]}]}) for i in range(n)]


def test_everything_fits_one_part_when_no_limit_is_reached() -> None:
    assert len(split_parts(_lines(200), BatchLimits())) == 1


def test_parts_split_at_the_byte_limit_in_order_and_as_few_as_possible() -> None:
    lines = _lines(10)
    one = len(encode_line(*lines[0]))
    parts = split_parts(lines, BatchLimits(max_input_bytes=one * 4))
    assert [len(p) for p in parts] == [4, 4, 2]
    assert [k for part in parts for k, _ in part] == [k for k, _ in lines]


def test_parts_split_at_the_request_limit() -> None:
    assert [len(p) for p in split_parts(_lines(5), BatchLimits(max_requests=2))] == [2, 2, 1]


def test_a_request_larger_than_a_part_is_refused() -> None:
    with pytest.raises(ValueError, match="alone is"):
        split_parts(_lines(1, size=500), BatchLimits(max_input_bytes=100))


def test_the_same_requests_make_the_same_bytes(tmp_path: Path) -> None:
    a = write_part(tmp_path / "a.jsonl", [("k", {"b": 1, "a": 2})]).read_bytes()
    b = write_part(tmp_path / "b.jsonl", [("k", {"a": 2, "b": 1})]).read_bytes()
    assert a == b and json.loads(a) == {"key": "k", "request": {"a": 2, "b": 1}}
    assert [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob(".*part"))


def test_replies_are_read_by_key_with_errors_and_unreadable_lines_as_failures(tmp_path: Path) -> None:
    response = {
        "candidates": [{"content": {"parts": [{"text": "hi"}], "role": "model"}, "finishReason": "STOP"}]
    }
    lines = [
        {"key": "ok", "response": response},
        {"key": "refused", "error": {"code": 3, "message": "bad request"}},
        {"key": "odd"},
        {"response": response},
    ]
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n\n", encoding="utf-8")
    replies = read_replies(path)
    assert set(replies) == {"ok", "refused", "odd"}
    assert replies["ok"].response is not None and replies["ok"].response.text == "hi"
    assert replies["refused"].response is None and "code 3" in (replies["refused"].error or "")
    assert "neither a response nor an error" in (replies["odd"].error or "")
