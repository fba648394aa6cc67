"""docs/contract.md is the contract agents rely on: its operations table must match the registry."""

from __future__ import annotations

import re
from pathlib import Path

from gemini_audio_tools.operations import OPERATIONS
from tests._contract import TOOLS

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "contract.md"


def _table_rows() -> list[list[str]]:
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("## Operations", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def _names(cell: str) -> list[str]:
    """The parameter names a cell lists: backticked words before '=', '?' or the closing backtick."""
    return re.findall(r"`([a-z_]+)(?:=[^`]*|\?)?`", cell)


def test_the_contract_lists_the_registered_tools_with_their_cli_names_in_order() -> None:
    rows = _table_rows()
    assert [(_names(r[0])[0], r[1].strip("`")) for r in rows] == list(TOOLS.items())
    assert list(TOOLS) == list(OPERATIONS)
    assert [op.command for op in OPERATIONS.values()] == list(TOOLS.values())


def test_every_parameter_the_contract_names_is_an_input_field() -> None:
    for row in _table_rows():
        op = OPERATIONS[_names(row[0])[0]]
        fields = set(op.input_model.model_fields)
        named = set(_names(row[2]))
        assert named <= fields, f"{op.name}: {sorted(named - fields)} are in the contract but not the model"
        undocumented = fields - named - {"audio", "start", "end", "model"}
        assert not undocumented, f"{op.name}: {sorted(undocumented)} are not in docs/contract.md"
