"""The per-dialect worker processes give exactly the serial result."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from stingerloom.cli import lint_workers
from stingerloom.lint.engine import lint_paths

BENCH = Path(__file__).resolve().parents[2] / "bench" / "lint_bench.py"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_workers_match_serial(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("lint_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.generate(tmp_path, 150)
    (tmp_path / "00005_m.yaml").write_text(  # an ignore comment and a syntax error in the mix
        "id: 00005_m\nup:\n  postgres: |\n    -- stingerloom:ignore SL601 -- small\n"
        "    CREATE INDEX i5 ON t00004 (name);\n  default: CREATE TABLE t00005 (id int PRIMARY KEY, x int NOT NUL);\n"
        "down: DROP TABLE t00005;\n")
    results = []
    for jobs in ("1", "2", "3"):
        monkeypatch.setenv("STINGERLOOM_LINT_JOBS", jobs)
        pool = lint_workers()  # as the lint command chooses it
        assert (pool is None) == (jobs == "1")
        res = lint_paths([str(tmp_path / "manifest.yaml")], cwd=str(tmp_path), workers=pool)
        results.append([f.as_json() for f in res.findings])
    assert results[0] == results[1] == results[2]
    rules = {f["rule"] for f in results[0]}
    assert "SL201" in rules and "SL190" not in rules


def _bench(tmp_path, n):
    spec = importlib.util.spec_from_file_location("lint_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.generate(tmp_path, n)
    return str(tmp_path / "manifest.yaml")


def test_the_library_call_starts_no_process(tmp_path, monkeypatch):
    # lint_paths without a pool (a library caller) checks a long manifest in its own process
    manifest = _bench(tmp_path, 120)
    monkeypatch.setenv("STINGERLOOM_LINT_JOBS", "3")

    def no_fork():  # pragma: no cover - must not be called
        raise AssertionError("lint_paths forked")

    monkeypatch.setattr(os, "fork", no_fork)
    res = lint_paths([manifest], cwd=str(tmp_path))
    assert res.files > 1 and not res.unusable


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_failing_worker_is_reported_not_lost():
    from stingerloom.lint.workers import WorkerPool

    pool = WorkerPool(2)
    assert pool.start(lambda: ("ok", [1])).result() == ("ok", [1])
    err = pool.start(lambda: 1 / 0).result()
    assert isinstance(err, RuntimeError) and "ZeroDivisionError" in str(err)
