"""Recall and false positives on our own corpus of safe and unsafe migrations
(tests/lint/precision/*.yaml, patterns after the rule tests of squawk, strong_migrations and Atlas).

An unsafe case is found when its rule fires. A safe case is a false positive when its rule fires or
when any error-level finding appears (an error fails CI whatever the rule). The figures are in the
README's Lint section; `python -m tests.lint.test_precision` prints them."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

from .helpers import run_case

CORPUS = Path(__file__).parent / "precision"


def load() -> list[dict]:
    out = []
    for f in sorted(CORPUS.glob("*.yaml")):
        for case in yaml.safe_load(f.read_text(encoding="utf-8"))["cases"]:
            out.append(dict(case, file=f.name))
    return out


def measure() -> dict:
    found, missed, clean, false_alarms = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(load()):
            findings = run_case(case, Path(tmp) / str(i)).findings
            fired = any(f.rule == case["rule"] for f in findings)
            if case["unsafe"]:
                (found if fired else missed).append(case)
            else:
                errors = [f for f in findings if f.severity == "error" and f.rule != case["rule"]]
                bad = fired or errors
                (false_alarms if bad else clean).append(
                    dict(case, why=[f"{f.rule} {f.message}" for f in findings if f.rule == case["rule"]] +
                         [f"{f.rule} {f.message}" for f in errors]))
    unsafe, safe = len(found) + len(missed), len(clean) + len(false_alarms)
    return {"unsafe": unsafe, "found": len(found), "recall": len(found) / unsafe, "missed": missed,
            "safe": safe, "false_positives": len(false_alarms), "fp_rate": len(false_alarms) / safe,
            "false_alarms": false_alarms, "rules": len({c["rule"] for c in load()})}


def test_recall_and_false_positives():
    m = measure()
    assert m["unsafe"] >= 60 and m["safe"] >= 40, "the corpus must stay large enough to mean something"
    misses = "\n".join(f"  missed {c['file']}:{c['name']} ({c['rule']})" for c in m["missed"])
    alarms = "\n".join(f"  false alarm {c['file']}:{c['name']}: {c['why']}" for c in m["false_alarms"])
    assert m["recall"] >= 0.95, f"recall {m['found']}/{m['unsafe']}\n{misses}"
    assert m["fp_rate"] <= 0.05, f"false positives {m['false_positives']}/{m['safe']}\n{alarms}"


def test_every_case_names_a_rule_and_a_verdict():
    from stingerloom.lint import registry

    for c in load():
        assert registry.exists(c["rule"]) and isinstance(c["unsafe"], bool), c


if __name__ == "__main__":  # pragma: no cover
    r = measure()
    print(f"{r['rules']} rules; unsafe {r['found']}/{r['unsafe']} found ({r['recall']:.1%}); "
          f"safe {r['false_positives']}/{r['safe']} flagged ({r['fp_rate']:.1%})")
    for c in r["missed"]:
        print("missed", c["file"], c["name"], c["rule"])
    for c in r["false_alarms"]:
        print("false alarm", c["file"], c["name"], c["why"])
