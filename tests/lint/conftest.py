from __future__ import annotations

from pathlib import Path

import yaml

CASES = Path(__file__).parent / "cases"


def load_cases():
    for f in sorted(CASES.glob("SL*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            case.setdefault("rule", doc["rule"])
            yield f"{f.stem}_{case['name']}", case


def pytest_generate_tests(metafunc):
    if "lint_case" in metafunc.fixturenames:
        items = list(load_cases())
        metafunc.parametrize("lint_case", [c for _, c in items], ids=[i for i, _ in items])
