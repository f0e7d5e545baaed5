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


def test_names_unique():
    names = [registry.get(c).name for c in registry.CODES]
    assert len(names) == len(set(names))
