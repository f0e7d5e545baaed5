"""History writes are conditional: a run whose history row was changed by someone else meanwhile (a run
on another cluster node, or one that took over an expired lock) stops instead of running a migration's
SQL twice, on every database. The interference comes from a second connection that ignores the lock,
at the moment the run starts the migration (after it planned, before it writes)."""

from __future__ import annotations

import pytest
from helpers import history, query, write_manifest

from stingerloom import MigrationRunner
from stingerloom.errors import HistoryConflict
from stingerloom.execute import MigrationStarted
from stingerloom.manifest import load_manifest


def _manifest(tmp_path):
    return write_manifest(tmp_path, {
        "000_counter.yaml": """
            up: |
              CREATE TABLE counter (n INTEGER NOT NULL);
              INSERT INTO counter VALUES (0);
            down: DROP TABLE counter
            """,
        # DML only: one transaction with its history row, on every database
        "001_dml.yaml": "up: UPDATE counter SET n = n + 1\ndown: UPDATE counter SET n = n - 1\n",
        # statement by statement (the dirty/applied protocol)
        "002_steps.yaml": """
            transaction: false
            up: |
              UPDATE counter SET n = n + 10;
              UPDATE counter SET n = n + 100
            down: |
              UPDATE counter SET n = n - 100;
              UPDATE counter SET n = n - 10
            """,
    })


def _runner(manifest, url, on_start):
    def event(event):
        if isinstance(event, MigrationStarted):
            on_start(event.id)
    return MigrationRunner(load_manifest(str(manifest)).migrations, url, on_event=event)


@pytest.mark.parametrize("victim", ["001_dml", "002_steps"])
def test_a_rollback_whose_row_another_run_reverted_stops_without_running_down_twice(db_url, tmp_path, victim):
    manifest = _manifest(tmp_path)
    assert all(r.success for r in _runner(manifest, db_url, lambda mid: None).run())
    assert query(db_url, "SELECT n FROM counter") == [(111,)]

    def other_run_reverted_it(mid):
        if mid == victim:  # as another node's rollback would have: down SQL run, row deleted
            step = {"001_dml": 1, "002_steps": 110}[victim]
            query(db_url, f"UPDATE counter SET n = n - {step}")
            query(db_url, f"DELETE FROM __migrations WHERE id = '{victim}'")

    results = _runner(manifest, db_url, other_run_reverted_it).rollback(to="000_counter")
    failed = results[-1]  # the run stops at the victim
    assert failed.id == victim and not failed.success and isinstance(failed.exception, HistoryConflict)
    assert f"the history row of {victim} changed under this run" in failed.error
    # 002 is reverted first: by this run when 001 is the victim, else by the other run; 001 never by both
    expected = {"001_dml": 0, "002_steps": 1}[victim]
    assert query(db_url, "SELECT n FROM counter") == [(expected,)]
    assert victim not in [r[0] for r in history(db_url)]


def test_an_apply_whose_row_another_run_recorded_stops_without_running_up_twice(db_url, tmp_path):
    manifest = _manifest(tmp_path)
    assert all(r.success for r in _runner(manifest, db_url, lambda mid: None).run(to="000_counter"))

    def other_run_applied_it(mid):
        if mid == "001_dml":
            query(db_url, "UPDATE counter SET n = n + 1")
            query(db_url, "INSERT INTO __migrations (id, applied_at, state, batch, " + (
                "`rank`" if db_url.startswith("mysql") else '"rank"') + ") VALUES ('001_dml', '2020-01-01', "
                "'applied', 9, 9)")

    results = _runner(manifest, db_url, other_run_applied_it).run()
    assert [r.id for r in results] == ["001_dml"] and not results[0].success  # and nothing after it ran
    assert isinstance(results[0].exception, HistoryConflict) and "recorded by another run" in results[0].error
    assert query(db_url, "SELECT n FROM counter") == [(1,)]
