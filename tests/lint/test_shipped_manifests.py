"""`stingerloom lint` on the manifests the project ships, as the README and the GitHub Actions example
run it: a fresh process, every dialect, no internal error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("manifest", ["migrations/manifest.yaml", "examples/manifest.toml"])
def test_lint_of_shipped_manifests_checks_every_dialect(manifest):
    proc = run_cli("lint", manifest, "--format", "json", cwd=ROOT)
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["summary"]["errors"] == 0
    assert report["summary"]["files"] >= 2
    # PostgreSQL statements were parsed (no note that the parser is missing)
    assert not any("pglast" in n for n in report.get("notes", []))
