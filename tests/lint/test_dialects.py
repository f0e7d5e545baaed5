"""Every rule fires, in the rule cases, in every dialect it declares (item: rules that say they cover a
dialect really do). Manifest-level rules (SL1xx) are about the file, not the SQL, and are exempt."""

from __future__ import annotations

from stingerloom.lint import registry

from .conftest import load_cases
from .helpers import run_case


def test_every_declared_dialect_is_exercised(tmp_path):
    seen: dict[str, set[str]] = {}
    for i, (_, case) in enumerate(load_cases()):
        if not case.get("expect"):
            continue
        for f in run_case(case, tmp_path / str(i)).findings:
            seen.setdefault(f.rule, set()).update(d for d in (f.dialect or "").split(",") if d)
    missing = {}
    for cls in registry.all_rules():
        if cls.planned or cls.code < "SL200":
            continue
        lacking = set(cls.dialects) - seen.get(cls.code, set())
        if lacking:
            missing[cls.code] = sorted(lacking)
    assert not missing, f"rules that never fire in a dialect they declare: {missing}"
