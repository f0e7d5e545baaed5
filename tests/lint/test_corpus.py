"""Valid real-world SQL must never produce SL201 (no false syntax errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import run_case

CORPUS = Path(__file__).parent / "corpus"


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_corpus_has_no_syntax_errors(dialect, tmp_path):
    sql = (CORPUS / f"{dialect}.sql").read_text(encoding="utf-8")
    result = run_case({"sql": sql, "dialect": dialect}, tmp_path)
    bad = [f for f in result.findings if f.rule in ("SL201", "SL316")]
    assert not bad, "\n".join(f"{f.line}:{f.column} {f.message}" for f in bad)
    assert not result.unusable


def test_mysql_unknown_is_info_not_error(tmp_path):
    result = run_case({"sql": "FROBNICATE TABLE x;", "dialect": "mysql"}, tmp_path)
    assert [f.rule for f in result.findings if f.rule.startswith("SL2")] == ["SL202"]
