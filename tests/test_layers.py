"""The architecture holds: layers import only downward, no package reaches into another's private modules,
the emulator stays a stand-alone service, and no modules import each other in a loop.

Read from the source with ``ast`` (nothing is imported), so a violation is caught before it can matter at
run time. docs/architecture.md draws the same layers. Imports under ``if TYPE_CHECKING:`` are type hints,
not dependencies, and are skipped; imports inside functions (lazy ones) count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gemini_audio_tools", "mcp_server")

LAYERS: list[tuple[int, tuple[str, ...]]] = [
    (5, ("mcp_server", "gemini_audio_tools.cli", "gemini_audio_tools._cli_args", "gemini_audio_tools.demo")),
    (5, ("gemini_audio_tools.langchain", "gemini_audio_tools.declarations", "gemini_audio_tools._embedded")),
    (
        5,
        (
            "gemini_audio_tools._cli_progress",
            "gemini_audio_tools._cli_models",
            "gemini_audio_tools._cli_batch",
        ),
    ),
    (4, ("gemini_audio_tools.operations", "gemini_audio_tools.kit")),
    (3, ("gemini_audio_tools._ops",)),
    (2, ("gemini_audio_tools.backend", "gemini_audio_tools.emulator", "gemini_audio_tools.batch")),
    (1, ("gemini_audio_tools.audio", "gemini_audio_tools.schemas", "gemini_audio_tools.transcripts")),
    (1, ("gemini_audio_tools.transcript_store", "gemini_audio_tools.timecode", "gemini_audio_tools.paths")),
    (1, ("gemini_audio_tools.urls", "gemini_audio_tools.answer_times")),
    (0, ("gemini_audio_tools.errors", "gemini_audio_tools.config", "gemini_audio_tools.context")),
    (0, ("gemini_audio_tools.sizes", "gemini_audio_tools.hashing", "gemini_audio_tools.tokens")),
    (0, ("gemini_audio_tools.models",)),
    (0, ("gemini_audio_tools.progress",)),
]
"""Adapters (5) -> registry and kit (4) -> operations (3) -> backend, emulator (2) -> audio and pure cores
(1) -> base (0). The package's ``__init__`` is its door: it re-exports from every layer, and only adapters
and users import it."""

EMULATOR_MAY_USE = (
    "gemini_audio_tools.audio",
    "gemini_audio_tools.hashing",
    "gemini_audio_tools.models",
    "gemini_audio_tools.urls",
)
"""The emulator imitates a remote service: besides itself, only the public audio package, a content hash, the
model catalogue it serves (pure data) and the SSRF-safe downloader (it fetches ``fileData`` URLs as the real
service does). Its errors are its own (``emulator/errors.py``)."""

KNOWN_EMULATOR_USES: set[tuple[str, str]] = set()
KNOWN_PRIVATE: set[str] = set()
"""Left to mend: these sets must shrink, never grow (both are empty now: keep them so)."""


@dataclass(frozen=True)
class Import:
    importer: str
    target: str
    """The module imported (``from pkg import name``: ``pkg.name`` when that is a module, else ``pkg``)."""
    names: tuple[str, ...]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(module: str) -> bool:
    return (ROOT / module.replace(".", "/") / "__init__.py").exists()


def exists(module: str) -> bool:
    base = ROOT / module.replace(".", "/")
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return skipped


def imports_of(source: str, module: str, package: bool) -> Iterator[Import]:
    """Every import ``module`` makes of a module inside :data:`PACKAGES`."""
    tree = ast.parse(source)
    skipped = _type_checking_nodes(tree)
    base = module.split(".") if package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    yield Import(module, alias.name, ())
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                target = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target.split(".")[0] not in PACKAGES:
                continue
            names = tuple(alias.name for alias in node.names)
            submodules = [n for n in names if exists(f"{target}.{n}")]
            for name in submodules:
                yield Import(module, f"{target}.{name}", ())
            rest = tuple(n for n in names if n not in submodules)
            if rest or not submodules:
                yield Import(module, target, rest)


def all_imports() -> list[Import]:
    found: list[Import] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = module_name(path)
            found.extend(imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"))
    return found


def layer_of(module: str) -> int | None:
    for layer, prefixes in LAYERS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return layer
    return None


def private_crossing(imp: Import) -> str | None:
    """Why ``imp`` reaches into another package's private parts, or None."""
    parts = imp.target.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            owner = ".".join(parts[:i])
            if not (imp.importer == owner or imp.importer.startswith(owner + ".")):
                return f"{imp.importer} imports the private module {imp.target}"
    owner = ".".join(parts[:-1]) if not is_package(imp.target) else imp.target
    for name in imp.names:
        if name.startswith("_") and not name.startswith("__") and not imp.importer.startswith(owner):
            return f"{imp.importer} imports the private name {name} from {imp.target}"
    return None


def upward(imp: Import) -> str | None:
    if imp.target in PACKAGES:  # a package's door: only adapters (and users) use it
        below_door = layer_of(imp.importer)
        if below_door is not None and below_door < 5:
            return f"{imp.importer} (layer {below_door}) imports the package door {imp.target}"
        return None
    mine, theirs = layer_of(imp.importer), layer_of(imp.target)
    if mine is None or theirs is None:
        return None
    if theirs > mine:
        return f"{imp.importer} (layer {mine}) imports {imp.target} (layer {theirs})"
    return None


def cycles(edges: list[Import]) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for e in edges:
        if e.target != e.importer:
            graph.setdefault(e.importer, set()).add(e.target)
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def emulator_escape(imp: Import) -> str | None:
    if not imp.importer.startswith("gemini_audio_tools.emulator"):
        return None
    target = imp.target
    if target.startswith("gemini_audio_tools.emulator") or any(
        target == p or target.startswith(p + ".") for p in EMULATOR_MAY_USE
    ):
        return None
    return f"{imp.importer} -> {target}"


IMPORTS = all_imports()


def test_every_module_has_a_layer() -> None:
    modules = {i.importer for i in IMPORTS} - set(PACKAGES)
    assert [m for m in sorted(modules) if layer_of(m) is None] == []


def test_layers_import_only_downward() -> None:
    assert [v for v in map(upward, IMPORTS) if v] == []


def test_no_package_imports_another_packages_private_modules_or_names() -> None:
    assert {v for v in map(private_crossing, IMPORTS) if v} == KNOWN_PRIVATE


def test_no_modules_import_each_other_in_a_loop() -> None:
    assert cycles(IMPORTS) == []


def test_the_emulator_uses_only_the_public_audio_package_and_errors() -> None:
    escapes = {(i.importer, i.target) for i in IMPORTS if emulator_escape(i)}
    assert escapes == KNOWN_EMULATOR_USES


# --- the checks themselves catch what they are for -----------------------------------------------------


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from gemini_audio_tools._embedded import x", "mcp_server.__main__", "private module"),
        ("from ..audio._open import open_audio", "gemini_audio_tools.emulator.pcm", "private module"),
        ("from gemini_audio_tools.config import _secret", "mcp_server.tools", "private name"),
    ],
)
def test_a_private_import_across_packages_is_caught(source: str, module: str, expected: str) -> None:
    found = [v for v in map(private_crossing, imports_of(source, module, False)) if v]
    assert found and expected in found[0]


def test_a_private_import_inside_its_own_package_is_allowed() -> None:
    found = imports_of("from ._walk import walk", "gemini_audio_tools.audio.probe", False)
    assert [v for v in map(private_crossing, found) if v] == []


def test_an_upward_import_and_a_loop_are_caught() -> None:
    up = list(imports_of("from ..operations import OPERATIONS", "gemini_audio_tools.backend.client", False))
    assert upward(up[0]) is not None
    loop = [Import("a", "b", ()), Import("b", "c", ()), Import("c", "a", ())]
    assert cycles(loop) == [["a", "b", "c", "a"]]


def test_imports_for_type_hints_only_are_not_dependencies() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..cli import run\n"
    assert list(imports_of(source, "gemini_audio_tools.audio.probe", False)) == []
