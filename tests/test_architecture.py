"""The package's shape, measured: dialect branches outside ``dialects/`` and import cycles.

These are ratchets for issue 11 (consolidation): each limit is the figure the code has reached, so a
change that adds a dialect-name comparison outside ``stingerloom/dialects/`` or an import cycle fails
here and names the place. Function complexity is checked by ruff (``C901``, configured in
``pyproject.toml``).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "stingerloom"
DIALECT_NAMES = {"postgres", "postgresql", "mysql", "mariadb", "sqlite"}

# The most dialect-name comparisons allowed outside stingerloom/dialects/ (issue 11 asked for at most 10;
# the consolidation reached none, so none is the limit).
MAX_DIALECT_COMPARISONS = 0
# Import cycles allowed: none.
MAX_IMPORT_CYCLES = 0


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _names_dialect(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in DIALECT_NAMES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_names_dialect(e) for e in node.elts)
    return False


def dialect_comparisons() -> list[str]:
    """``x == "mysql"``, ``d in ("postgres", "sqlite")``, ``case "mysql":`` outside ``dialects/``."""
    found = []
    for name, path in _modules().items():
        if name.startswith("stingerloom.dialects"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            hit = False
            if isinstance(node, ast.Compare):
                hit = any(_names_dialect(x) for x in [node.left, *node.comparators])
            elif isinstance(node, ast.MatchValue):
                hit = _names_dialect(node.value)
            if hit:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                for inner in ast.walk(sub):
                    if hasattr(inner, "lineno"):
                        lines.add(inner.lineno)
    return lines


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports, at top level or inside functions (not TYPE_CHECKING)."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for target in targets:
                if target in mods and target != name:
                    graph[name].add(target)
    return graph


def import_cycles(graph: dict[str, set[str]] | None = None) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph = import_graph() if graph is None else graph
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_dialect_branches_stay_in_dialects():
    found = dialect_comparisons()
    assert len(found) <= MAX_DIALECT_COMPARISONS, (
        f"{len(found)} dialect-name comparisons outside stingerloom/dialects/ (limit "
        f"{MAX_DIALECT_COMPARISONS}); ask the dialect object instead:\n" + "\n".join(found)
    )


def test_no_import_cycles():
    cycles = import_cycles()
    assert len(cycles) <= MAX_IMPORT_CYCLES, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_measures_see_what_they_claim():
    """The counters find a planted comparison and a planted cycle (they can fail)."""
    tree = ast.parse('if d == "mysql" or e in ("sqlite", "x"):\n    pass\nmatch d:\n    case "postgres": pass\n')
    hits = [n for n in ast.walk(tree) if isinstance(n, ast.Compare) and any(
        _names_dialect(x) for x in [n.left, *n.comparators])]
    hits += [n for n in ast.walk(tree) if isinstance(n, ast.MatchValue) and _names_dialect(n.value)]
    assert len(hits) == 3
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []
    assert "stingerloom.runner" in import_graph()["stingerloom.cli"]
