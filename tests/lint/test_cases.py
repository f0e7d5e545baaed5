"""Data-driven rule cases: tests/lint/cases/SLxxx.yaml (a failing and a passing case per rule)."""

from __future__ import annotations

import inspect

from stingerloom.lint import registry

from .conftest import load_cases
from .helpers import expected, run_case


def test_rule_case(lint_case, tmp_path):
    result = run_case(lint_case, tmp_path)
    rules = set(lint_case.get("rules") or [lint_case["rule"]]) | {e["rule"] for e in lint_case.get("expect") or ()}
    want = expected(lint_case)
    exact = any(e[1] is not None for e in want)
    got = sorted(((f.rule, f.line if exact else None, f.column if exact else None)
                  for f in result.findings if f.rule in rules), key=str)
    if not exact:
        want = sorted(((r, None, None) for r, _, _ in want), key=str)
    assert got == want, "\n".join(f"{f.rule} {f.line}:{f.column} {f.message}" for f in result.findings)


def test_every_rule_has_cases_and_docs():
    cases = {}
    for _, case in load_cases():
        cases.setdefault(case["rule"], []).append(case)
    missing = []
    for cls in registry.all_rules():
        sec = cls.sections()
        for title in ("What it does", "Why is this bad?", "Example", "Use instead"):
            assert sec.get(title), f"{cls.code} docstring lacks '## {title}'"
        assert cls.name and cls.severity in ("error", "warning", "info")
        if cls.planned:
            continue
        mine = cases.get(cls.code, [])
        if not any(c.get("expect") for c in mine) or not any(not c.get("expect") for c in mine):
            missing.append(cls.code)
    assert not missing, f"rules without a failing and a passing case: {missing}"


def test_rule_classes_match_registry():
    for code in registry.CODES:
        cls = registry.get(code)
        assert cls.code == code
        assert inspect.getdoc(cls)


def test_names_unique_and_advice():
    names = [registry.get(c).name for c in registry.CODES]
    aliases = [a for c in registry.CODES for a in registry.get(c).aliases]
    assert len(names) == len(set(names)) and not set(names) & set(aliases) and len(aliases) == len(set(aliases))
    # squawk's convention: a rule's name is the advice (ban-, prefer-, require-)
    assert [n for n in names if not n.startswith(("ban-", "prefer-", "require-"))] == []
    # and its file is named after it
    assert all(registry.MODULE_OF[c] == registry.get(c).name.replace("-", "_") for c in registry.CODES)


def _rule_classes_in_modules() -> dict[str, str]:
    """Every concrete rule class defined in a module under stingerloom/lint/rules: code -> module."""
    import importlib
    import pkgutil

    import stingerloom.lint.rules as pkg
    from stingerloom.lint.api import Rule

    found = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for obj in vars(mod).values():
            if isinstance(obj, type) and issubclass(obj, Rule) and obj.__module__ == mod.__name__ and obj.code:
                found[obj.code] = info.name
    return found


def test_registry_matches_rule_classes_both_ways():
    # a rule class that is not registered, or a registered code without a class, fails here
    assert _rule_classes_in_modules() == registry.MODULE_OF


def test_rules_import_no_private_names_from_other_rules():
    import ast
    from pathlib import Path

    import stingerloom.lint.rules as pkg

    bad = []
    for path in sorted(Path(pkg.__path__[0]).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:  # from .other_rule import ...
                bad.extend(f"{path.name}: from .{node.module} import {a.name}" for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("stingerloom.lint.rules"):
                bad.extend(f"{path.name}: from {node.module} import {a.name}" for a in node.names)
    assert not bad, f"rules share facts through lint/facts.py, not through each other: {bad}"


def test_every_finding_code_comes_from_a_rule_class():
    # no module outside the rules names a code to report: the engine, the loader path and --verify
    # hand what they learned to the rule classes
    import re
    from pathlib import Path

    import stingerloom

    root = Path(stingerloom.__file__).parent
    call = re.compile(r"""(\w+)\(\s*["']SL\d{3}["']""")  # f("SL123", ...), registry look-ups aside
    offenders = [str(p.relative_to(root)) for p in sorted(root.rglob("*.py"))
                 if "lint/rules" not in p.as_posix()
                 and any(m.group(1) not in ("get", "exists") for m in call.finditer(p.read_text()))]
    assert not offenders, offenders
