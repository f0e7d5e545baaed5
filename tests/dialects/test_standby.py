"""A PostgreSQL hot standby (streaming replica): ``status`` answers there, ``apply`` and the other writing
commands are refused with "read-only standby: connect to the primary" (exit 2), never an internal error
(SPEC §11)."""

from __future__ import annotations

import time

import pytest
import servers
from helpers import query, run_cli, write_manifest

pytestmark = pytest.mark.postgres


def _wait_replayed(url: str, sql: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if query(url, sql):
                return
        except Exception:  # the database has not reached the standby yet
            pass
        time.sleep(0.1)
    raise AssertionError(f"the standby did not replay {sql!r} within {timeout}s")


def test_status_works_on_a_standby_and_writes_are_refused(postgres_standby, fresh_database, tmp_path):
    primary_url = fresh_database("postgres")
    standby_url = servers.url_with(primary_url, port=postgres_standby.port)
    manifest = str(write_manifest(tmp_path, {
        "001_a.yaml": "up: CREATE TABLE a (id INT)\ndown: DROP TABLE a\n",
        "002_b.yaml": "up: CREATE TABLE b (id INT)\ndown: DROP TABLE b\n",
    }))
    assert run_cli("apply", manifest, "--database", primary_url, "--to", "001_a").returncode == 0
    _wait_replayed(standby_url, "SELECT 1 FROM __migrations WHERE id = '001_a'")
    assert query(standby_url, "SELECT pg_is_in_recovery()") == [(True,)]

    status = run_cli("status", manifest, "--database", standby_url)
    assert status.returncode == 0, status.stderr
    assert "001_a" in status.stdout and "applied" in status.stdout and "pending" in status.stdout

    for command in (["apply"], ["rollback"], ["baseline", "--to", "002_b"], ["repair"]):
        refused = run_cli(*command, manifest, "--database", standby_url)
        assert refused.returncode == 2, (command, refused.stderr)
        assert "read-only standby: connect to the primary" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr and "internal error" not in refused.stderr
    assert "b" not in {r[0] for r in query(primary_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
