"""``lint --verify --dev-database URL`` as a user runs it, on every database: the replay runs through
the same executor as ``apply`` (a failing statement is SL201 at its line), and the scratch database it
creates on a server is gone afterwards."""

from __future__ import annotations

import json

from helpers import query, run_cli, write_manifest

MIGRATIONS = {
    "001_users.yaml": "up: CREATE TABLE users (id INTEGER PRIMARY KEY)\ndown: DROP TABLE users\n",
    "002_teams.yaml": """
        up: |
          CREATE TABLE teams (id INTEGER PRIMARY KEY);
        down: |
          DROP TABLE teams;
          DROP TABLE nosuchtable;
    """,
}


def _scratch_databases(db_url: str) -> list[str]:
    if db_url.startswith("sqlite"):
        return []
    sql = "SELECT datname FROM pg_database" if db_url.startswith("postgres") else "SHOW DATABASES"
    return [r[0] for r in query(db_url, sql) if r[0].startswith("sl_verify_")]


def test_verify_reports_a_failing_down_at_its_line_and_leaves_no_scratch_database(db_url, tmp_path):
    manifest = write_manifest(tmp_path, MIGRATIONS)
    dev = [] if db_url.startswith("sqlite") else ["--dev-database", db_url]
    proc = run_cli("lint", str(manifest), "--verify", *dev, "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    failed = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "SL201"]
    assert [(f["migration"], f["line"]) for f in failed] == [("002_teams", 5)]
    assert "nosuchtable" in failed[0]["message"] and failed[0]["file"].endswith("002_teams.yaml")
    assert _scratch_databases(db_url) == []
