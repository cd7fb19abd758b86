"""No import circle anywhere in ``reader`` or ``annotations``, and contracts that see it all.

import-linter checks which way imports point, not whether they go round in a circle; this
test builds the import graph with grimp (import-linter's own graph), including imports inside
functions and excluding those under ``if TYPE_CHECKING:``, and fails on every cycle, printing
it (module → module → … with line numbers). It also checks that import-linter sees every
module and that the domain contracts in ``pyproject.toml`` name every domain module.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("reader", "annotations")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """The import graph of postil's packages (no cache: always the files as they are)."""
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)


def _modules_on_disk() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other round in a circle (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges[node]:
                    groups.append(sorted(group))
    return groups


def _describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    """One cycle of the group, as ``a (line 3) → b (line 40) → a``."""
    members = set(group)
    first = group[0]
    path = [first]
    seen = {first}
    while True:
        here = path[-1]
        following = sorted(graph.find_modules_directly_imported_by(here) & members)
        nxt = next((m for m in following if m not in seen), None)
        if nxt is None:
            nxt = next((m for m in following if m in path), following[0])
        path.append(nxt)
        if nxt in seen:
            path = path[path.index(nxt):]
            break
        seen.add(nxt)
    steps = []
    for importer, imported in zip(path, path[1:], strict=False):
        lines = sorted({d["line_number"] for d in
                        graph.get_import_details(importer=importer, imported=imported)})
        steps.append(f"{importer} (line {', '.join(map(str, lines))})")
    return " → ".join([*steps, path[-1]]) + f"   [group: {', '.join(group)}]"


def test_every_module_is_in_the_graph(graph: grimp.ImportGraph) -> None:
    """A folder without ``__init__.py`` would hide its modules from grimp and import-linter."""
    missing = _modules_on_disk() - set(graph.modules)
    assert not missing, f"modules import-linter cannot see (no __init__.py?): {sorted(missing)}"


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    """No module imports itself back, directly or through others (function-level too)."""
    modules = {m for m in graph.modules if m.split(".")[0] in PACKAGES}
    edges = {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}
    cycles = [_describe(graph, group) for group in strongly_connected(edges)]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_a_cycle_is_found_and_printed() -> None:
    """The detector itself: a circle of three and a self-import are reported, a chain is not."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert strongly_connected(edges) == [["a", "b", "c"], ["e"]]


#: Top-level modules of ``reader`` that are not the domain.
NOT_DOMAIN = {"reader.ui", "reader.cli", "reader.commands", "reader.__main__"}


def _contract(name: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"] == name)


def test_the_domain_contracts_name_every_domain_module() -> None:
    """A new domain module is held by the contracts as soon as it exists."""
    top = {f"reader.{path.stem}" for path in (ROOT / "reader").iterdir()
           if (path.suffix == ".py" and path.stem != "__init__")
           or (path.is_dir() and (path / "__init__.py").exists())}
    domain = {"annotations", *(top - NOT_DOMAIN)}
    never_ui = set(_contract("The domain never imports the UI or the CLI")["source_modules"])
    never_textual = set(_contract("Domain code never imports Textual")["source_modules"])
    below_reader = set(_contract("Annotations are the bottom of the domain: they use only the "
                                 "safe file reader of reader")["forbidden_modules"])
    assert never_ui == domain
    assert never_textual == domain | {"reader.cli", "reader.commands"}
    assert below_reader == (domain - {"annotations", "reader.safe_read"}) | NOT_DOMAIN - {
        "reader.__main__"}
